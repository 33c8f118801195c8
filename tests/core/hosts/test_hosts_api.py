"""`/api/hosts`: the organisation's Docker hosts. Any role reads, admins write."""

import pytest

from core.accounts.models import Organization
from core.hosts.models import DockerHost
from tests.pki import client_tls_body

pytestmark = pytest.mark.django_db
FIELDS = {"id", "name", "slug", "kind", "baseUrl", "isDefault", "status", "lastSeenAt", "createdAt",
          "tlsConfigured"}  # fmt: skip


@pytest.fixture
def pro(org):
    Organization.objects.filter(pk=org.pk).update(edition="pro")
    org.refresh_from_db()
    org.save()
    return org


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


def test_list_and_detail(auth_client, org):
    viewer = auth_client("viewer")
    response = viewer.get("/api/hosts")
    assert response.status_code == 200
    hosts = response.json()["hosts"]
    assert len(hosts) == 1
    assert set(hosts[0]) == FIELDS
    assert hosts[0]["isDefault"] is True
    assert hosts[0]["createdAt"].endswith("Z")
    assert hosts[0]["lastSeenAt"] is None
    detail = viewer.get(f"/api/hosts/{hosts[0]['id']}")
    assert detail.json() == hosts[0]


def test_create_a_tcp_host(admin, org):
    body = {"name": "Build box", "kind": "tcp", "baseUrl": "tcp://10.0.0.5:2376"}
    body |= client_tls_body()
    response = admin.post("/api/hosts", body, format="json")
    assert response.status_code == 201
    host = response.json()
    assert (host["slug"], host["kind"], host["isDefault"], host["status"]) == (
        "build-box",
        "tcp",
        False,
        "unknown",
    )
    assert DockerHost.objects.get(pk=host["id"]).org_id == org.pk


def test_create_an_agent_host(admin):
    response = admin.post("/api/hosts", {"name": "edge", "kind": "agent"}, format="json")
    assert response.status_code == 201
    assert response.json()["baseUrl"] == ""


def test_first_host_of_an_organisation_becomes_default(admin, org):
    org.hosts.all().delete()
    response = admin.post(
        "/api/hosts", {"name": "only", "baseUrl": "unix:///run/docker.sock"}, format="json"
    )
    assert response.json()["isDefault"] is True


def test_making_a_host_default_undefaults_the_other(admin, org):
    old = org.hosts.get(is_default=True)
    body = {
        "name": "new",
        "kind": "tcp",
        "baseUrl": "https://docker.example:2376",
        "isDefault": True,
        **client_tls_body(),
    }
    created = admin.post("/api/hosts", body, format="json").json()
    assert created["isDefault"] is True
    old.refresh_from_db()
    assert old.is_default is False
    back = admin.put(f"/api/hosts/{old.pk}", {"isDefault": True}, format="json")
    assert back.json()["isDefault"] is True
    assert DockerHost.objects.get(pk=created["id"]).is_default is False


def test_the_default_cannot_simply_be_undefaulted(admin, org):
    default = org.hosts.get(is_default=True)
    response = admin.put(f"/api/hosts/{default.pk}", {"isDefault": False}, format="json")
    assert response.status_code == 400
    assert "default host" in response.json()["error"]


def test_update_fields(admin, org):
    host = DockerHost.objects.create(
        org=org, name="b", slug="b", kind="tcp", base_url="tcp://10.0.0.6:2376"
    )
    response = admin.put(
        f"/api/hosts/{host.pk}", {"name": "Bee", "baseUrl": "tcp://10.0.0.7:2376"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["baseUrl"], response.json()["slug"]) == (
        "Bee",
        "tcp://10.0.0.7:2376",
        "b",
    )


def test_changing_kind_revalidates_the_url(admin, org):
    host = DockerHost.objects.create(
        org=org, name="b", slug="b", kind="tcp", base_url="tcp://10.0.0.6:2376"
    )
    response = admin.put(f"/api/hosts/{host.pk}", {"kind": "local"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Validation failed",
        "field": "baseUrl",
        "message": "must start with unix:// for a local host",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "tcp", "baseUrl": "tcp://h:1"}, "name"),
        ({"name": "x", "kind": "ssh", "baseUrl": "ssh://h"}, "kind"),
        ({"name": "x", "kind": "tcp", "baseUrl": "http://h:2375"}, "baseUrl"),
        ({"name": "x", "kind": "tcp", "baseUrl": "tcp://"}, "baseUrl"),
        ({"name": "x", "kind": "tcp"}, "baseUrl"),
        ({"name": "x", "kind": "local", "baseUrl": "tcp://h:1"}, "baseUrl"),
        ({"name": "x", "kind": "agent", "baseUrl": "tcp://h:1"}, "baseUrl"),
        ({"name": "x", "slug": "Bad Slug", "baseUrl": "unix:///s"}, "slug"),
        ({"name": "x", "baseUrl": "unix:///s", "isDefault": "yes"}, "isDefault"),
        ({"name": "x", "baseUrl": "unix:///s", "status": "online"}, "status"),
        ({"name": 5, "baseUrl": "unix:///s"}, "name"),
        ({"name": "!!!", "baseUrl": "unix:///s"}, "slug"),
    ],
)
def test_create_validation(admin, body, field):
    response = admin.post("/api/hosts", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "Validation failed"
    assert response.json()["field"] == field


def test_body_must_be_an_object(admin):
    response = admin.post("/api/hosts", "[]", content_type="application/json")
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_duplicate_slug_is_409(admin, org):
    response = admin.post(
        "/api/hosts", {"name": "Local", "slug": "local", "baseUrl": "unix:///s"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"error": "A host with this slug already exists"}


def test_the_same_slug_in_another_organisation_is_fine(admin, other_org):
    response = admin.post(
        "/api/hosts", {"name": "x", "slug": "local-2", "baseUrl": "unix:///s"}, format="json"
    )
    assert response.status_code == 201
    assert other_org.hosts.filter(slug="local").exists()


def test_delete(admin, org):
    host = DockerHost.objects.create(org=org, name="b", slug="b", base_url="unix:///s")
    response = admin.delete(f"/api/hosts/{host.pk}")
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert not DockerHost.objects.filter(pk=host.pk).exists()


def test_the_default_host_cannot_be_deleted(admin, org):
    default = org.hosts.get(is_default=True)
    response = admin.delete(f"/api/hosts/{default.pk}")
    assert response.status_code == 409
    assert response.json() == {
        "error": "Cannot delete the default host; make another host the default first"
    }


def test_unknown_and_invalid_ids(admin):
    assert admin.get("/api/hosts/999999").json() == {"error": "Host not found"}
    assert admin.get("/api/hosts/999999").status_code == 404
    response = admin.delete("/api/hosts/x1")
    assert (response.status_code, response.json()) == (400, {"error": "Invalid host ID"})


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_writes_need_admin(auth_client, org, role):
    client = auth_client(role)
    default = org.hosts.get(is_default=True)
    assert client.post("/api/hosts", {"name": "x"}, format="json").status_code == 403
    assert client.put(f"/api/hosts/{default.pk}", {"name": "x"}, format="json").status_code == 403
    assert client.delete(f"/api/hosts/{default.pk}").status_code == 403


def test_ce_server_limit(admin, org):
    for index in range(2):
        created = admin.post(
            "/api/hosts", {"name": f"h{index}", "baseUrl": "unix:///s"}, format="json"
        )
        assert created.status_code == 201
    response = admin.post("/api/hosts", {"name": "h9", "baseUrl": "unix:///s"}, format="json")
    assert response.status_code == 402
    assert (response.json()["current"], response.json()["max"]) == (3, 3)


def test_pro_allows_more_hosts(pro, admin):
    for index in range(4):
        created = admin.post(
            "/api/hosts", {"name": f"h{index}", "baseUrl": "unix:///s"}, format="json"
        )
        assert created.status_code == 201


def test_host_changes_are_audited(admin, org):
    from core.audit.models import AuditLog

    admin.post("/api/hosts", {"name": "Aud", "baseUrl": "unix:///s"}, format="json")
    assert AuditLog.objects.filter(org=org, action="host.create", target="aud").exists()


def test_ping_names_a_host_that_does_not_answer(auth_client, org):
    viewer = auth_client("viewer")
    dead = DockerHost.objects.create(
        org=org, name="Gone", slug="gone", base_url="unix:///tmp/ck-hosts-no-engine.sock"
    )
    response = viewer.get(f"/api/hosts/{dead.pk}/ping")
    assert (response.status_code, response.json()) == (
        503,
        {"error": "Docker engine unavailable on host Gone"},
    )
    edge = DockerHost.objects.create(org=org, name="Edge", slug="edge", kind="agent")
    response = viewer.get(f"/api/hosts/{edge.pk}/ping")
    assert response.status_code == 504
    assert response.json()["error"].startswith("Host Edge did not answer within")
