"""Fixtures for the schedule tests: API clients with real tokens in the suite's `org` (CE, a
default host on the test engine), eager Celery, and `ckt-sch-` containers removed in
teardown."""

import contextlib
import uuid

import docker
import pytest

from cockpit.celery import app as celery_app

PREFIX = "ckt-sch-"
# PID 1 shell that exits on SIGTERM within a second, so stops are quick.
LOOP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]


def unique(kind: str = "c") -> str:
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:10]}"


def schedule_body(**overrides) -> dict:
    body = {
        "name": "nightly stop",
        "containerId": "web-1",
        "containerName": "web",
        "action": "stop",
        "cronExpression": "0 3 * * *",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


@pytest.fixture
def viewer(auth_client):
    return auth_client("viewer")


@pytest.fixture
def unlimited(org):
    """The suite's org raised to Enterprise (no edition limit: the hard cap of 50 applies)."""
    org.edition = "enterprise"
    org.save()
    return org


@pytest.fixture
def eager_celery():
    """Tasks run in the caller."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


class Containers:
    def __init__(self, client: docker.DockerClient, image: str):
        self.client = client
        self.image = image
        self.names: list[str] = []

    def __call__(self, *, start: bool = True):
        name = unique()
        self.names.append(name)
        container = self.client.containers.create(
            self.image, command=LOOP, name=name, labels={"org.cockpit.test": "schedules"}
        )
        if start:
            container.start()
        return container

    def cleanup(self) -> None:
        for name in self.names:
            with contextlib.suppress(docker.errors.NotFound):
                self.client.api.remove_container(name, force=True)


@pytest.fixture
def containers(docker_client, test_image):
    made = Containers(docker_client, test_image)
    yield made
    made.cleanup()
