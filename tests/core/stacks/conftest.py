"""Fixtures for the stack tests: a tenant with a default host on the test engine, API clients
per role, and compose projects named `ckt-stk-...` that are brought down in teardown."""

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from core.accounts.models import Organization, Role
from core.accounts.principal import Principal
from core.docker.compose import compose_binary
from core.hosts.models import DockerHost

PREFIX = "ckt-stk-"
IMAGE = "cockpit-test/busybox:1"
# A PID 1 shell that exits on SIGTERM at once and prints a line a second (for logs).
TICKING = ["sh", "-c", "trap 'exit 0' TERM; while true; do echo tick; sleep 1; done"]


def unique(kind: str = "s") -> str:
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:8]}"


def engine_url() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def service(**extra) -> dict:
    """A compose service on the offline test image; keyword arguments add or override keys."""
    return {"image": IMAGE, "pull_policy": "never", "command": TICKING, **extra}


def compose_file(**services: dict) -> str:
    """A compose file (JSON is YAML) with these services."""
    return json.dumps({"services": services}, indent=2)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)


def compose_run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The compose binary itself, aimed at the test engine."""
    env = {"PATH": os.environ.get("PATH", ""), "DOCKER_HOST": engine_url()}
    return subprocess.run(
        [str(compose_binary()), "--ansi", "never", *args],
        cwd=cwd or "/",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Projects:
    """Compose projects a test brought up (directly or through the API), all taken down with
    their volumes in teardown whatever the test did."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.names: list[str] = []

    def name(self, kind: str = "s") -> str:
        name = unique(kind)
        self.names.append(name)
        return name

    def up(self, name: str | None = None, **services: dict) -> str:
        """`compose up -d` of a file outside Cockpit (a label-derived stack)."""
        name = name or self.name()
        if name not in self.names:
            self.names.append(name)
        directory = self.tmp_path / name
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "compose.yaml").write_text(compose_file(**services))
        result = compose_run("-p", name, "up", "-d", cwd=directory)
        assert result.returncode == 0, result.stdout + result.stderr
        return name

    def cleanup(self) -> None:
        for name in self.names:
            result = compose_run("-p", name, "down", "-v", "-t", "0", "--remove-orphans")
            if result.returncode != 0:
                print(f"teardown of {name}: {result.stderr}")


@pytest.fixture
def projects(docker_client, test_image, tmp_path):
    made = Projects(tmp_path)
    yield made
    made.cleanup()


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Stacks", slug=f"stk-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def host(org):
    return DockerHost.objects.create(
        org=org, name="test-engine", slug="local", base_url=engine_url(), is_default=True
    )


def client_for(org: Organization, role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(
        user=Principal(
            kind="user",
            subject="1",
            org_id=org.id,
            role=role,
            user_id=1,
            email="x@example.com",
        )
    )
    return client


@pytest.fixture
def as_role(org, host):
    """`as_role("operator")` → an APIClient authenticated as that role in `org`."""
    return lambda role=Role.ADMIN: client_for(org, role)


@pytest.fixture
def admin(as_role):
    return as_role(Role.ADMIN)


@pytest.fixture
def viewer(as_role):
    return as_role(Role.VIEWER)


@pytest.fixture
def operator(as_role):
    return as_role(Role.OPERATOR)


@pytest.fixture
def eager_tasks():
    """Celery runs each task inside the call that sends it (API-level tests)."""
    from cockpit.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
