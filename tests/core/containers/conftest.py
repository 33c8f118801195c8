"""Fixtures for the container tests: a tenant with a default host on the test engine, API
clients per role, and containers named `ckt-ctr-...` that are removed in teardown."""

import gc
import os
import time
import uuid

import docker
import pytest
from rest_framework.test import APIClient

from core.accounts.models import Organization, Role
from core.accounts.principal import Principal
from core.hosts.models import DockerHost

PREFIX = "ckt-ctr-"
# PID 1 shell that exits on SIGTERM within a second, so stops are quick.
LOOP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
SECOND_NS = 1_000_000_000


def unique(kind: str = "c") -> str:
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:10]}"


def engine_url() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Containers", slug=f"ctr-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def host(org):
    return DockerHost.objects.create(
        org=org, name="test-engine", slug="local", base_url=engine_url(), is_default=True
    )


@pytest.fixture
def as_role(org, host):
    """`as_role("operator")` → an APIClient authenticated as that role in `org`."""

    def make(role: str = Role.ADMIN) -> APIClient:
        client = APIClient()
        client.default_format = "json"
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

    return make


@pytest.fixture
def admin(as_role):
    return as_role(Role.ADMIN)


class Made:
    """Containers (and networks/images/dirs) a test made, removed whatever the test did."""

    def __init__(self, client: docker.DockerClient, image: str):
        self.client = client
        self.image = image
        self.names: list[str] = []
        self.networks: list[str] = []
        self.images: list[str] = []
        self.volumes: list[str] = []

    def __call__(self, command=None, *, start: bool = True, name: str | None = None, **kwargs):
        name = name or unique()
        self.names.append(name)
        container = self.client.containers.create(
            kwargs.pop("image", self.image),
            command=LOOP if command is None else command,
            name=name,
            labels={"org.cockpit.test": "containers", **kwargs.pop("labels", {})},
            **kwargs,
        )
        if start:
            container.start()
        return container

    def network(self) -> str:
        name = unique("net")
        self.client.networks.create(name, driver="bridge")
        self.networks.append(name)
        return name

    def cleanup(self) -> None:
        api = self.client.api
        for container in api.containers(all=True, filters={"name": PREFIX}):
            names = [name.lstrip("/") for name in container["Names"]]
            if any(name.startswith(tuple(self.names)) for name in names):
                _quietly(api.remove_container, container["Id"], force=True, v=True)
        for network in self.networks:
            _quietly(api.remove_network, network)
        for image in self.images:
            _quietly(api.remove_image, image, force=True)
        for volume in self.volumes:
            _quietly(api.remove_volume, volume, force=True)


def _quietly(call, *args, **kwargs) -> None:
    try:
        call(*args, **kwargs)
    except docker.errors.APIError as exc:
        if exc.status_code != 404:
            print(f"teardown: {call.__name__}{args}: {exc}")


@pytest.fixture
def make(docker_client, test_image):
    made = Made(docker_client, test_image)
    yield made
    made.cleanup()


@pytest.fixture
def running(make):
    return make()


@pytest.fixture(autouse=True)
def _no_stream_left_from_earlier_tests():
    """A follow stream another test left unclosed frees its slot only when it is garbage
    collected, which could happen in the middle of a test that counts slots."""
    gc.collect()
