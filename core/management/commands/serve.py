"""`manage.py serve`: web (daphne), a Celery worker and Celery beat as one foreground command.

Ctrl-C (or SIGTERM) stops all three; if one of them dies, the others are stopped too and the
command exits with that child's status, so a supervisor sees the failure.
"""

import os
import shlex
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from cockpit.startup import require_runtime_secrets

STOP_GRACE_SECONDS = 10


def child_commands(host: str, port: int, log_level: str) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "-m", "daphne", "-b", host, "-p", str(port), "cockpit.asgi:application"],
        "worker": [python, "-m", "celery", "-A", "cockpit", "worker", "-l", log_level,
                   "-n", f"worker.{os.getpid()}@%h"],
        "beat": [python, "-m", "celery", "-A", "cockpit", "beat", "-l", log_level],
    }  # fmt: skip


def login_hint(base_url: str) -> str:
    if settings.AUTH_MODE == "users":
        body = '{"email": "<your email>", "password": "<your password>"}'
        return (
            f"curl -s -X POST {base_url}/auth/login -H 'Content-Type: application/json' -d '{body}'"
        )
    # Never print the key itself: point the shell at where it is.
    if os.environ.get("API_KEY"):
        key_expr = "$API_KEY"
    else:
        key_expr = f"$(cat {shlex.quote(str(settings.DATA_DIR / 'api_key'))})"
    return (
        f"curl -s -X POST {base_url}/auth/token -H 'Content-Type: application/json' "
        f'-d "{{\\"apiKey\\": \\"{key_expr}\\"}}"'
    )


class Command(BaseCommand):
    help = "Run web, worker and beat together in the foreground (Ctrl-C stops all three)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO").lower())

    def handle(self, *args, host, port, log_level, **options):
        require_runtime_secrets()
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        for name, command in child_commands(host, port, log_level).items():
            # Own session: a terminal Ctrl-C reaches only us, and we stop each child once.
            children[name] = subprocess.Popen(command, start_new_session=True)

        base_url = f"http://{host}:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Cockpit is starting at {base_url}  (web, worker and beat; Ctrl-C stops all)",
                    f"  Health:  curl -s {base_url}/health",
                    f"  Token:   {login_hint(base_url)}",
                    f"  API docs: {base_url}/api/docs",
                    "",
                ]
            )
        )
        self.stdout.flush()

        exit_code = 0
        while not stopping:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    self.stderr.write(f"{name} exited with status {code}; stopping the others")
                    exit_code = code or 1
                    stopping = True
                    break
            time.sleep(0.5)

        self._stop_all(children)
        sys.exit(exit_code)

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
