"""Role matrix and tenant isolation of every route in core.resources."""

import pytest

from core.accounts.models import Organization
from core.hosts.models import DockerHost
from tests.core.resources.conftest import engine_url, unique

pytestmark = pytest.mark.django_db

READS = ["/api/overview", "/api/system/metrics", "/api/system/docker", "/api/system/disk",
         "/api/images", "/api/networks", "/api/volumes"]  # fmt: skip
WRITES = [
    ("post", "/api/system/prune"),
    ("post", "/api/images/prune"),
    ("post", "/api/images/pull"),
    ("delete", "/api/images/some-image:1"),
    ("post", "/api/networks"),
    ("delete", "/api/networks/some-network"),
    ("post", "/api/volumes"),
    ("delete", "/api/volumes/some-volume"),
]


@pytest.mark.parametrize("path", READS + [path for _, path in WRITES])
def test_anonymous_is_401(api_client, path):
    for method in ("get", "post", "delete"):
        response = getattr(api_client, method)(path)
        if response.status_code == 405:
            continue
        assert response.status_code == 401
        assert response.json() == {"error": "Missing or invalid Authorization header"}


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_writes_are_admin_only(as_role, host, method, path, role):
    response = getattr(as_role(role), method)(path, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"error": "Insufficient permissions"}


@pytest.mark.docker
@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_reads_for_every_role(as_role, host, path, role):
    assert as_role(role).get(path).status_code == 200


@pytest.mark.parametrize("method", ["put", "patch"])
def test_unsupported_methods_are_405(admin, host, method):
    response = getattr(admin, method)("/api/volumes/x")
    assert response.status_code == 405
    assert response.json()["error"]


@pytest.fixture
def other_tenant_host():
    other = Organization.objects.create(name="Other", slug=unique("other"))
    return DockerHost.objects.create(
        org=other, name="theirs", slug="theirs", base_url=engine_url(), is_default=True
    )


@pytest.mark.parametrize("path", READS[2:])
def test_another_tenants_host_is_404(admin, host, other_tenant_host, path):
    response = admin.get(f"{path}?host=theirs")
    assert response.status_code == 404
    assert response.json() == {"error": "Host not found"}


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_another_tenants_host_is_404_for_writes(admin, host, other_tenant_host, method, path):
    valid_body = {"image": "busybox:1", "name": unique("x")}
    if path == "/api/volumes":
        valid_body = {}
    response = getattr(admin, method)(f"{path}?host=theirs", valid_body, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "Host not found"}


def test_org_without_a_host_is_404(admin):
    response = admin.get("/api/images")
    assert response.status_code == 404
    assert response.json() == {"error": "Host not found"}
