"""Django admin for hosts: the same service and checks as the API; a tcp host's CA, client
certificate and key are write-only (sealed on save, never rendered back)."""

import pytest

from core.accounts.models import Organization, User
from core.docker.host_calls import tls_of
from core.hosts.models import DockerHost
from tests.pki import authority, client_tls_body

pytestmark = pytest.mark.django_db
SECRET_MARKERS = ("BEGIN", "PRIVATE KEY")


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser(email="staff@example.com", password="staff password")
    client.force_login(user)
    return client


def tls_fields(label: str = "cockpit test CA") -> dict:
    body = client_tls_body(label)
    return {"tls_ca": body["tlsCa"], "tls_cert": body["tlsCert"], "tls_key": body["tlsKey"]}


def add_form(org, **fields) -> dict:
    return {"org": org.pk, "name": "Builder", "slug": "builder", "kind": "tcp",
            "base_url": "tcp://127.0.0.1:2376", **fields}  # fmt: skip


def assert_no_secret(response) -> None:
    page = response.content.decode()
    for marker in SECRET_MARKERS:
        assert marker not in page


def test_a_tcp_host_is_added_with_sealed_material(staff, org):
    response = staff.post("/admin/core/dockerhost/add/", add_form(org, **tls_fields()))
    assert response.status_code == 302, response.content[:3000]
    host = DockerHost.objects.get(org=org, slug="builder")
    pki = authority()
    assert tls_of(host) == {"ca": pki["ca"], "cert": pki["client_cert"], "key": pki["client_key"]}
    assert "BEGIN" not in host.tls_material
    change = staff.get(f"/admin/core/dockerhost/{host.pk}/change/")
    assert change.status_code == 200
    assert_no_secret(change)
    assert "TLS configured" in change.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "is required for a tcp host"),
        ({**tls_fields(), "tls_key": authority()["server_key"]}, "does not match the client cert"),
        ({**tls_fields(), "tls_cert": "x"}, "must be a PEM certificate"),
        ({**tls_fields(), "base_url": "http://127.0.0.1:2375"}, "must start with tcp:// or"),
        ({**tls_fields(), "kind": "local", "base_url": "unix:///s"}, "only a tcp host takes"),
    ],
)
def test_the_admin_refuses_what_the_api_refuses(staff, org, fields, message):
    response = staff.post("/admin/core/dockerhost/add/", add_form(org, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DockerHost.objects.filter(org=org, slug="builder").exists()
    assert_no_secret(response)  # what was typed is not rendered back either


def test_changing_the_material_keeps_it_write_only(staff, org):
    staff.post("/admin/core/dockerhost/add/", add_form(org, **tls_fields()))
    host = DockerHost.objects.get(org=org, slug="builder")
    form = {"name": "Builder 2", "slug": "builder", "kind": "tcp",
            "base_url": "tcp://127.0.0.1:2377"}  # fmt: skip
    kept = staff.post(f"/admin/core/dockerhost/{host.pk}/change/", form)
    assert kept.status_code == 302, kept.content[:3000]
    host.refresh_from_db()
    assert (host.name, host.base_url) == ("Builder 2", "tcp://127.0.0.1:2377")
    assert tls_of(host)["cert"] == authority()["client_cert"]  # empty fields keep the material

    half = staff.post(
        f"/admin/core/dockerhost/{host.pk}/change/",
        {**form, "tls_cert": tls_fields("another CA")["tls_cert"]},
    )
    assert half.status_code == 200  # all three or none, as in the API
    assert "is required for a tcp host" in half.content.decode()
    assert_no_secret(half)

    replaced = staff.post(
        f"/admin/core/dockerhost/{host.pk}/change/", {**form, **tls_fields("another CA")}
    )
    assert replaced.status_code == 302
    host.refresh_from_db()
    assert tls_of(host)["cert"] == authority("another CA")["client_cert"]


def test_the_admin_keeps_the_default_and_the_edition_limit(staff, org):
    default = org.hosts.get(is_default=True)
    form = {"name": default.name, "slug": default.slug, "kind": "local",
            "base_url": default.base_url}  # fmt: skip
    response = staff.post(f"/admin/core/dockerhost/{default.pk}/change/", form)
    assert response.status_code == 200
    assert "always has a default host" in response.content.decode()
    for index in range(2):
        created = staff.post(
            "/admin/core/dockerhost/add/",
            {"org": org.pk, "name": f"h{index}", "slug": f"h{index}", "kind": "local",
             "base_url": "unix:///s"},
        )  # fmt: skip
        assert created.status_code == 302
    refused = staff.post(
        "/admin/core/dockerhost/add/",
        {"org": org.pk, "name": "h9", "slug": "h9", "kind": "local", "base_url": "unix:///s"},
    )
    assert refused.status_code == 200
    assert org.hosts.count() == 3
    assert Organization.objects.filter(pk=org.pk).exists()


def test_a_slug_taken_on_change_is_a_form_error(staff, org):
    DockerHost.objects.create(org=org, name="b", slug="b", base_url="unix:///s")
    other = DockerHost.objects.create(org=org, name="c", slug="c", base_url="unix:///s")
    response = staff.post(
        f"/admin/core/dockerhost/{other.pk}/change/",
        {"name": "c", "slug": "b", "kind": "local", "base_url": "unix:///s"},
    )
    assert response.status_code == 200
    assert "A host with this slug already exists" in response.content.decode()
