"""`manage.py agent`: run this machine's Cockpit agent.

First start: exchanges ENROLLMENT_TOKEN at COCKPIT_URL for credentials and keeps them in
DATA_DIR/agent.json (0600); later starts reuse them. Then it becomes (exec) a Celery worker on
the host's queue with COCKPIT_AGENT=1, which configures it from those credentials
(core.agents.worker) and talks to this machine's engine at DOCKER_HOST.
"""

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.agents import local
from core.agents.enroll_client import EnrollmentFailed, enroll


class Command(BaseCommand):
    help = "Run the Cockpit agent of this Docker host (enrolls on first start)."
    # An agent holds none of the control plane's secrets (JWT_SECRET, database): the
    # control-plane checks do not apply to it.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=settings.AGENT_CONCURRENCY)
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument(
            "--enroll-only", action="store_true", help="Enroll, save the credentials, exit."
        )

    def handle(self, *args, **options):
        credentials = local.load(settings.DATA_DIR)
        if credentials is None:
            try:
                credentials = enroll(settings.COCKPIT_URL, settings.ENROLLMENT_TOKEN)
            except EnrollmentFailed as exc:
                raise CommandError(str(exc)) from exc
            local.save(settings.DATA_DIR, credentials)
            self.stdout.write(f"Enrolled as the agent of host {credentials.host_name}")
        if options["enroll_only"]:
            return
        argv = [
            sys.executable, "-m", "celery", "-A", "cockpit", "worker",
            "-Q", credentials.queue,
            "-n", f"agent-{credentials.host_id}@%h",
            "--concurrency", str(options["concurrency"]),
            "-l", options["loglevel"],
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        sys.stdout.flush()
        os.execvpe(sys.executable, argv, {**os.environ, "COCKPIT_AGENT": "1"})  # noqa: S606
