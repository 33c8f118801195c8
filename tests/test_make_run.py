"""`make run` as a newcomer runs it: secrets generated, migrated, web + worker + beat serving,
health all ok against the real engine, a task round trip through the broker, Ctrl-C stops all
three, and a second run on the same data works."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import PYTHON, ROOT, clean_env, free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def processes_with(data_dir: Path) -> list[int]:
    """Pids of processes started with this DATA_DIR in their environment."""
    marker = f"DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def get_json(url: str, timeout: float = 5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class MakeRun:
    def __init__(self, env: dict):
        self.env = env
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_healthy(self, base_url: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make run exited early:\n{self.output}"
            try:
                status, body = get_json(f"{base_url}/health", timeout=5)
                if status == 200:
                    return body
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"never healthy (last {body}):\n{self.output}")

    def interrupt(self, timeout: float = 40) -> int:
        """What Ctrl-C in the terminal does: SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=timeout)


def run_task_round_trip(env: dict) -> str:
    code = "from core.tasks import ping; print(ping.delay().get(timeout=60))"
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def assert_printed_login_works(output: str, env: dict) -> None:
    """The exact curl line the banner prints, run in a shell, gets a token."""
    line = next(line for line in output.splitlines() if "Token:" in line)
    command = line.split("Token:", 1)[1].strip()
    result = subprocess.run(
        ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["role"] == "admin"
    assert body["accessToken"]
    assert body["refreshToken"]


def assert_everything_stopped(data_dir: Path, port: int) -> None:
    deadline = time.monotonic() + 15
    while processes_with(data_dir) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert processes_with(data_dir) == [], "web, worker or beat outlived Ctrl-C"
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the port is still served"


def serve_once(env: dict, data_dir: Path, port: int) -> MakeRun:
    base_url = f"http://127.0.0.1:{port}"
    run = MakeRun(env)
    try:
        body = run.wait_healthy(base_url)
        assert body["checks"] == {"api": "ok", "db": "ok", "docker": "ok", "broker": "ok"}
        assert run_task_round_trip(env) == "pong"
        assert_printed_login_works(run.output, env)
    finally:
        if run.process.poll() is None:
            run.interrupt()
    assert_everything_stopped(data_dir, port)
    return run


def test_make_run_embedded_default_twice(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    env = clean_env(data_dir, port)

    first = serve_once(env, data_dir, port)
    assert f"http://127.0.0.1:{port}" in first.output
    assert "curl -s -X POST" in first.output
    for name in ("jwt_secret", "api_key"):
        secret_file = data_dir / name
        assert secret_file.stat().st_mode & 0o777 == 0o600
    secrets_before = {name: (data_dir / name).read_text() for name in ("jwt_secret", "api_key")}
    for secret in secrets_before.values():
        assert secret.strip() not in first.output, "a secret was printed"

    # Beat ran with the database scheduler: it installs its housekeeping entry on start-up.
    with sqlite3.connect(data_dir / "cockpit.db") as db:
        tasks = {row[0] for row in db.execute("SELECT name FROM django_celery_beat_periodictask")}
    assert "celery.backend_cleanup" in tasks

    serve_once(env, data_dir, port)  # running it twice works and keeps the secrets
    assert secrets_before == {name: (data_dir / name).read_text() for name in secrets_before}


@pytest.mark.redis
def test_make_run_with_redis(tmp_path, redis_url):
    data_dir = tmp_path / "data"
    port = free_port()
    env = clean_env(data_dir, port, REDIS_URL=redis_url)
    serve_once(env, data_dir, port)
    assert not (data_dir / "broker" / "queue").exists() or not any(
        (data_dir / "broker" / "queue").iterdir()
    ), "with REDIS_URL the filesystem broker must not be used"
