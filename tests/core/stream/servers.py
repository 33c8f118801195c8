"""Real Cockpit processes for end-to-end stream tests: daphne web processes on free loopback
ports, a Celery worker, a publisher process."""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.processes import PYTHON, ROOT, clean_env, free_port


def environment(data_dir: Path, **extra) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = clean_env(data_dir, 0, **extra)
    env["JWT_SECRET"] = os.environ["JWT_SECRET"]  # tokens minted by the test must verify
    env["API_KEY"] = os.environ["API_KEY"]
    return env


def migrate(env: dict) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=180, capture_output=True,
    )  # fmt: skip


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


class Process:
    def __init__(self, command: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


class Web(Process):
    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        command = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                   "cockpit.asgi:application"]  # fmt: skip
        super().__init__(command, env, log_path)

    def wait(self) -> "Web":
        wait_for_port(self.port, self.process)
        return self


def publish_from_another_process(env: dict, org_id: int, event: str, data: dict) -> None:
    code = (
        "import json, sys, django; django.setup(); from core.stream.publish import publish; "
        "publish(int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]))"
    )
    subprocess.run(
        [PYTHON, "-c", code, str(org_id), event, json.dumps(data)],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "cockpit.settings"},
        check=True, timeout=60, capture_output=True,
    )  # fmt: skip
