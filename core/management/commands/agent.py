"""`manage.py agent`: run this machine's Cockpit agent.

First start: exchanges ENROLLMENT_TOKEN at COCKPIT_URL for credentials and keeps them in
DATA_DIR/agent.json (0600); later starts reuse them. Then it runs the agent's two Celery
workers with COCKPIT_AGENT=1 (plain calls on `host.<id>`, streamed calls on
`host.<id>.streams`; core.agents.supervisor), which configure themselves from those credentials
(core.agents.worker) and talk to this machine's engine at DOCKER_HOST, until a signal stops
them both or one of them exits (then the agent exits non-zero).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.agents import local, supervisor
from core.agents.enroll_client import EnrollmentFailed, enroll


class Command(BaseCommand):
    help = "Run the Cockpit agent of this Docker host (enrolls on first start)."
    # An agent holds none of the control plane's secrets (JWT_SECRET, database): the
    # control-plane checks do not apply to it.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=settings.AGENT_CONCURRENCY)
        parser.add_argument(
            "--stream-concurrency", type=int, default=settings.AGENT_STREAM_CONCURRENCY
        )
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
        if options["concurrency"] < 1 or options["stream_concurrency"] < 1:
            raise CommandError("--concurrency and --stream-concurrency must be at least 1")
        commands = supervisor.worker_commands(
            credentials,
            options["concurrency"],
            options["stream_concurrency"],
            options["loglevel"],
        )
        supervisor.become_supervisor(commands)
