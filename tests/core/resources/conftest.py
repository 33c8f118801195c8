"""Fixtures for the images / networks / volumes / system / overview tests.

Every object these tests create on an engine is named `ckt-res-...` and removed in teardown.
Prune tests never run against the shared engine: they get a private dockerd of their own.
"""

import io
import os
import shutil
import tarfile
import uuid

import docker
import pytest
from rest_framework.test import APIClient

from core.accounts.models import Organization, Role
from core.accounts.principal import Principal
from core.hosts.models import DockerHost
from fixtures.test_image import ensure_test_image

PREFIX = "ckt-res-"


def unique(kind: str) -> str:
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:10]}"


def engine_url() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def tiny_rootfs(content: bytes) -> bytes:
    """A root filesystem with one file: enough for an image that is created, never run."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def import_image(client: docker.DockerClient, repository: str, tag: str = "1", **labels) -> str:
    """A fresh image (unique content, so a unique id) tagged `repository:tag`; returns its id."""
    changes = [f"LABEL {key}={value}" for key, value in labels.items()]
    client.api.import_image_from_data(
        tiny_rootfs(uuid.uuid4().bytes), repository=repository, tag=tag, changes=changes or None
    )
    return client.api.inspect_image(f"{repository}:{tag}")["Id"]


class Leftovers:
    """What a test created on one engine, removed in teardown whatever the test did."""

    def __init__(self, client: docker.DockerClient):
        self.client = client
        self.containers: list[str] = []
        self.volumes: list[str] = []
        self.networks: list[str] = []
        self.images: list[str] = []

    def cleanup(self) -> None:
        api = self.client.api
        for container in self.containers:
            _quietly(api.remove_container, container, force=True, v=True)
        for network in self.networks:
            _quietly(api.remove_network, network)
        for volume in self.volumes:
            _quietly(api.remove_volume, volume, force=True)
        for image in self.images:
            _quietly(api.remove_image, image, force=True)


def _quietly(call, *args, **kwargs) -> None:
    try:
        call(*args, **kwargs)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        print(f"teardown: {call.__name__}{args}: {exc}")


@pytest.fixture
def leftovers(docker_client):
    created = Leftovers(docker_client)
    yield created
    created.cleanup()


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Resources", slug=unique("org"))


@pytest.fixture
def host(org):
    return DockerHost.objects.create(
        org=org, name="shared-engine", slug="local", base_url=engine_url(), is_default=True
    )


@pytest.fixture
def dead_host(org):
    """A host whose engine does not answer: nothing listens on its socket."""
    return DockerHost.objects.create(
        org=org,
        name="dead-engine",
        slug="dead",
        base_url=f"unix:///tmp/{unique('nothing')}.sock",
    )


def principal(org: Organization, role: str) -> Principal:
    return Principal(
        kind="user", subject="1", org_id=org.id, role=role, user_id=1, email="x@example.com"
    )


@pytest.fixture
def as_role(org):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=principal(org, role))
        return client

    return make


@pytest.fixture
def admin(as_role):
    return as_role(Role.ADMIN)


@pytest.fixture
def viewer(as_role):
    return as_role(Role.VIEWER)


# --- a private engine for prune tests ---------------------------------------------------------


@pytest.fixture(scope="session")
def private_engine_url(docker_client):
    """A dockerd of our own (prune must never touch other engineers' objects)."""
    from tools.testenv import is_root, private_dockerd

    if not is_root() or not shutil.which("dockerd"):
        pytest.skip("a private dockerd needs root and dockerd")
    with private_dockerd() as base_url:
        client = docker.DockerClient(base_url=base_url, version="auto", timeout=60)
        ensure_test_image(client)
        client.close()
        yield base_url


@pytest.fixture
def private_client(private_engine_url):
    client = docker.DockerClient(base_url=private_engine_url, version="auto", timeout=60)
    ensure_test_image(client)  # an `all` image prune may have removed it
    yield client
    client.close()


@pytest.fixture
def private_host(org, private_engine_url):
    return DockerHost.objects.create(
        org=org, name="private-engine", slug="private", base_url=private_engine_url
    )


@pytest.fixture
def private_leftovers(private_client):
    created = Leftovers(private_client)
    yield created
    created.cleanup()
