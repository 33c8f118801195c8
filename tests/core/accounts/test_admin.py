"""Django admin for platform staff: organisations, users, memberships, API keys, hosts."""

import pytest
from django.contrib.messages import get_messages

from core.accounts.models import ApiKey, Organization, User
from core.accounts.tokens import sha256_hex
from core.hosts.models import DockerHost
from tests.pki import client_tls_body

pytestmark = pytest.mark.django_db


def tls_form_fields() -> dict:
    body = client_tls_body()
    return {"tls_ca": body["tlsCa"], "tls_cert": body["tlsCert"], "tls_key": body["tlsKey"]}


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser(email="staff@example.com", password="staff password")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/core/organization/",
        "/admin/core/user/",
        "/admin/core/membership/",
        "/admin/core/apikey/",
        "/admin/core/dockerhost/",
        "/admin/core/organization/add/",
        "/admin/core/user/add/",
        "/admin/core/apikey/add/",
        "/admin/core/dockerhost/add/",
    ],
)
def test_pages_render(staff, path, org):
    assert staff.get(path).status_code == 200


def test_search_and_filters(staff, org):
    assert staff.get("/admin/core/user/?q=staff").status_code == 200
    assert staff.get("/admin/core/apikey/?role__exact=admin").status_code == 200
    assert staff.get("/admin/core/dockerhost/?kind__exact=local").status_code == 200


def test_new_organisation_gets_a_default_host(staff, settings):
    response = staff.post(
        "/admin/core/organization/add/",
        {
            "name": "Umbrella",
            "slug": "umbrella",
            "edition": "ce",
            "license": "",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    host = DockerHost.objects.get(org__slug="umbrella")
    assert (host.is_default, host.base_url) == (True, settings.DOCKER_HOST)


def test_add_user_sets_a_hashed_password(staff):
    response = staff.post(
        "/admin/core/user/add/",
        {
            "email": "new@example.com",
            "usable_password": "true",
            "password1": "a good password",
            "password2": "a good password",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(email="new@example.com")
    assert user.check_password("a good password")
    assert "a good password" not in user.password


def test_add_user_refuses_a_short_password(staff):
    response = staff.post(
        "/admin/core/user/add/",
        {
            "email": "new@example.com",
            "usable_password": "true",
            "password1": "short",
            "password2": "short",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.com").exists()


def test_api_key_secret_is_shown_once(staff, org):
    response = staff.post(
        "/admin/core/apikey/add/", {"org": org.pk, "name": "deploy", "role": "operator"}
    )
    assert response.status_code == 302
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    secret = next(m.split(": ")[-1] for m in messages if "not shown again" in m)
    api_key = ApiKey.objects.get(name="deploy")
    assert api_key.secret_hash == sha256_hex(secret)
    assert api_key.created_by.email == "staff@example.com"
    shown = staff.get(response["Location"]).content.decode()  # the page after the redirect
    assert secret in shown
    again = staff.get(f"/admin/core/apikey/{api_key.pk}/change/").content.decode()
    assert secret not in again


def test_revoke_action(staff, org):
    from core.accounts import api_keys

    api_key, _ = api_keys.create(org.pk, "k", "admin", None)
    staff.post(
        "/admin/core/apikey/",
        {"action": "revoke_keys", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_host_admin_validates_the_url_and_hands_over_the_default(staff, org):
    bad = staff.post(
        "/admin/core/dockerhost/add/",
        {
            "org": org.pk,
            "name": "x",
            "slug": "x",
            "kind": "tcp",
            "base_url": "ftp://x",
            "status": "unknown",
        },
    )
    assert bad.status_code == 200
    assert not DockerHost.objects.filter(slug="x").exists()
    good = staff.post(
        "/admin/core/dockerhost/add/",
        {
            "org": org.pk,
            "name": "y",
            "slug": "y",
            "kind": "tcp",
            "base_url": "tcp://10.1.1.1:2376",
            "is_default": "on",
            "status": "unknown",
            **tls_form_fields(),
        },
    )
    assert good.status_code == 302
    assert list(org.hosts.filter(is_default=True).values_list("slug", flat=True)) == ["y"]
    assert Organization.objects.filter(pk=org.pk).exists()
