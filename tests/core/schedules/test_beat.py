"""The real beat picks up a schedule created through the API without a restart, and the worker
it feeds changes the container's state on the real engine.

The processes need a database they can share, which the suite's in-memory test database is
not: they get their own DATA_DIR (SQLite file, filesystem broker), migrated like a real
deployment, and the schedule is created through the API in a helper process. Then
`celery beat` (DatabaseScheduler) and a `celery worker` run it.
"""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PYTHON = sys.executable
SETTINGS = "cockpit.settings"

CREATE_THROUGH_THE_API = """
import django, json, sys
django.setup()
from rest_framework.test import APIClient
from core.accounts.models import Membership, Organization, User
from core.accounts.principal import user_principal
from core.accounts.tokens import issue_access_token
from core.hosts.models import DockerHost
import os

org = Organization.objects.create(name="Beat", slug="ckt-sch-beat", edition="pro")
DockerHost.objects.create(org=org, name="local", slug="local",
                          base_url=os.environ["DOCKER_HOST"], is_default=True)
user = User.objects.create_user(email="beat@example.com", password="correct horse battery")
membership = Membership.objects.create(user=user, org=org, role="admin")
client = APIClient()
token = issue_access_token(user_principal(user, membership))
client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
response = client.post("/api/schedules", {
    "name": "beat stop", "containerId": sys.argv[1], "containerName": sys.argv[1],
    "action": "stop", "cronExpression": "* * * * *"}, format="json")
assert response.status_code == 201, response.content
print(json.dumps(response.json()))
"""


def _env(data_dir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS, DATA_DIR=str(data_dir), DATABASE_URL="")
    env.pop("DATABASE_URL")
    env.setdefault("DOCKER_HOST", "unix:///var/run/docker.sock")
    return env


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_for(predicate, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    raise AssertionError(f"{what} not reached in {timeout}s\n{tails}")


def test_beat_picks_up_a_new_schedule_and_the_worker_runs_it(tmp_path, containers):
    container = containers()
    data_dir = tmp_path / "data"
    for folder in ("broker/queue", "broker/control"):
        (data_dir / folder).mkdir(parents=True)
    env = _env(data_dir)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip
    beat_log, worker_log = tmp_path / "beat.log", tmp_path / "worker.log"
    logs = [beat_log, worker_log]
    celery = [PYTHON, "-m", "celery", "-A", "cockpit"]
    beat = _start([*celery, "beat", "-l", "info", "--max-interval", "2",
                   "-s", str(tmp_path / "beat-schedule")], env, beat_log)  # fmt: skip
    worker = _start([*celery, "worker", "-l", "info", "-P", "solo", "-n", "ckt-sch@%h"],
                    env, worker_log)  # fmt: skip
    try:
        _wait_for(lambda: "beat: Starting" in beat_log.read_text(), 60, "beat start", logs)
        _wait_for(lambda: "ready" in worker_log.read_text(), 60, "worker ready", logs)
        time.sleep(3)  # beat has loaded its (still empty of schedules) database tables
        created = subprocess.run(
            [PYTHON, "-c", CREATE_THROUGH_THE_API, container.name],
            cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True,
        )  # fmt: skip
        assert '"cron_expression": "* * * * *"' in created.stdout

        def finished_runs():
            with sqlite3.connect(data_dir / "cockpit.db", timeout=20) as db:
                return db.execute(
                    "SELECT status, success, error, triggered_by FROM core_schedulerun"
                    " WHERE finished_at IS NOT NULL"
                ).fetchall()

        rows = _wait_for(finished_runs, 150, "a run recorded by the worker", logs)
        assert rows == [("succeeded", 1, "", "cron")]
        container.reload()
        assert container.status == "exited"
        assert "cockpit-schedule-" in beat_log.read_text()  # beat sent the schedule's task
    finally:
        _stop(beat)
        _stop(worker)
