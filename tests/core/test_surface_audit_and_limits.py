"""The Docker surface writes its semantic audit rows and sits behind the strict rate limiter
(spec §10.2, §10.5, §14.14), through real tokens and a real engine."""

import contextlib
import uuid

import docker
import pytest

from core.audit.models import AuditLog

pytestmark = [pytest.mark.docker, pytest.mark.django_db]


@pytest.fixture
def container(docker_client, test_image):
    created = docker_client.containers.create(
        test_image, ["sleep", "300"], name=f"ckt-audit-{uuid.uuid4().hex[:10]}"
    )
    yield created
    created.remove(force=True)


@pytest.fixture
def volume(docker_client):
    created = docker_client.volumes.create(name=f"ckt-audit-{uuid.uuid4().hex[:10]}")
    yield created
    with contextlib.suppress(docker.errors.NotFound):  # the test may have removed it
        created.remove(force=True)


def test_container_actions_write_semantic_rows(auth_client, org, container):
    client = auth_client("operator")
    assert client.post(f"/api/containers/{container.name}/start").status_code == 200
    assert client.post(f"/api/containers/{container.name}/stop?t=1").status_code == 200
    rows = AuditLog.objects.filter(org=org, target=container.name)
    assert {"container.start", "container.stop"} <= set(rows.values_list("action", flat=True))


def test_volume_remove_writes_its_row(auth_client, org, volume):
    response = auth_client("admin").delete(f"/api/volumes/{volume.name}")
    assert response.status_code == 200, response.content
    assert AuditLog.objects.filter(org=org, action="volume.remove", target=volume.name).exists()


def test_strict_limit_guards_destructive_routes_but_not_reads(auth_client, settings, container):
    settings.RATE_LIMIT_STRICT_MAX = 2
    client = auth_client("operator")
    statuses = [
        client.post(f"/api/containers/{container.name}/restart?t=1").status_code for _ in range(3)
    ]
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    assert client.get("/api/containers").status_code == 200  # reads use the global bucket only


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/images/prune"),
        ("delete", "/api/volumes/ckt-audit-none"),
        ("delete", "/api/networks/ckt-audit-none"),
        ("post", "/api/stacks/ckt-audit-none/stop"),
    ],
)
def test_strict_limit_applies_to_each_destructive_family(auth_client, settings, method, path):
    settings.RATE_LIMIT_STRICT_MAX = 1
    client = auth_client("admin")
    getattr(client, method)(path)
    response = getattr(client, method)(path)
    assert response.status_code == 429
    assert response.json() == {
        "error": "Too many requests to this endpoint. Please try again later."
    }
