"""A control plane (web, worker, beat on a file database and a real Redis) and agents started
as real processes, the way compose/ runs them."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.core.stream.servers import Process, Web, environment
from tests.processes import PYTHON, ROOT, clean_env

CONTROL_PLANE = {
    "AUTH_MODE": "key",
    "AGENT_HEARTBEAT_SECONDS": "2",
    "AGENT_OFFLINE_AFTER_SECONDS": "6",
    "RATE_LIMIT_MAX": "1000000",  # the test polls from one address
    "RATE_LIMIT_STRICT_MAX": "1000000",
}


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Api:
    def __init__(self, port: int, token: str = ""):
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def call(self, method: str, path: str, body=None, timeout: float = 60) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else {}


class ControlPlane:
    def __init__(self, tmp: Path, redis_url: str, docker_host: str):
        self.tmp = tmp
        self.env = environment(
            tmp / "control", REDIS_URL=redis_url, DOCKER_HOST=docker_host, **CONTROL_PLANE
        )
        manage(self.env, "migrate", "--noinput", "-v", "0")
        manage(self.env, "cockpit_setup")
        self.web = Web(self.env, tmp / "web.log")
        celery = [PYTHON, "-m", "celery", "-A", "cockpit"]
        self.worker = Process(
            [*celery, "worker", "-Q", "celery", "-n", "control@%h", "--concurrency", "2",
             "-l", "INFO", "--without-gossip", "--without-mingle"],
            self.env, tmp / "worker.log",
        )  # fmt: skip
        self.beat = Process([*celery, "beat", "-l", "INFO"], self.env, tmp / "beat.log")
        self.web.wait()
        self.api = Api(self.web.port)
        status, body = self.api.call("POST", "/auth/token", {"apiKey": self.env["API_KEY"]})
        assert status == 200, body
        self.api.token = body["accessToken"]

    def stop(self) -> None:
        for process in (self.beat, self.worker, self.web):
            process.stop()


class Agent:
    """`manage.py agent` on one engine, with its own data directory (credentials, cache)."""

    def __init__(self, tmp: Path, name: str, docker_host: str, cockpit_url: str, token: str):
        self.name, self.tmp, self.logs = name, tmp, []
        data_dir = tmp / f"agent-{name}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = clean_env(
            data_dir, 0, DOCKER_HOST=docker_host, COCKPIT_URL=cockpit_url,
            ENROLLMENT_TOKEN=token, AGENT_VISIBILITY_TIMEOUT="8",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        self.logs.append(self.tmp / f"agent-{self.name}-{len(self.logs) + 1}.log")
        self.process = Process(
            [PYTHON, "manage.py", "agent", "--concurrency", "2"], self.env, self.logs[-1]
        )

    @property
    def output(self) -> str:
        return "".join(log.read_text(errors="replace") for log in self.logs)

    def kill(self) -> None:
        """What a crash of the machine's agent looks like: every process, no clean-up."""
        os.killpg(self.process.process.pid, signal.SIGKILL)
        self.process.process.wait()
        self.process._log.close()

    def stop(self) -> None:
        self.process.stop()


def wait_until(predicate, timeout: float, what: str, step: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
