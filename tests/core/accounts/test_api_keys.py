"""`/api/keys`: list (never a secret), create (secret once), revoke."""

import pytest

from core.accounts.models import ApiKey
from core.accounts.tokens import principal_from_access_token, sha256_hex

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(token_for):
    return token_for("admin")


@pytest.mark.parametrize("mode", ["key", "users"])
def test_create_shows_the_secret_once_and_it_works(call, settings, org, admin_token, mode):
    settings.AUTH_MODE = mode
    response = call("post", "/api/keys", {"name": "ci", "role": "operator"}, token=admin_token)
    assert response.status_code == 201
    body = response.json()
    secret = body["apiKey"]
    assert secret.startswith(body["prefix"] + "_")
    assert (body["name"], body["role"], body["active"]) == ("ci", "operator", True)
    assert body["createdBy"].endswith(".test")
    stored = ApiKey.objects.get(pk=body["id"])
    assert stored.secret_hash == sha256_hex(secret)
    assert secret not in str(ApiKey.objects.filter(pk=body["id"]).values().get())

    listed = call("get", "/api/keys", token=admin_token)
    assert listed.status_code == 200
    assert secret not in listed.content.decode()
    assert [key["id"] for key in listed.json()["keys"]] == [body["id"]]
    assert "apiKey" not in listed.json()["keys"][0]

    exchanged = call("post", "/auth/token", {"apiKey": secret})
    assert exchanged.status_code == 200
    assert principal_from_access_token(exchanged.json()["accessToken"]).org_id == org.pk


def test_role_defaults_to_viewer(call, admin_token):
    body = call("post", "/api/keys", {"name": "read-only"}, token=admin_token).json()
    assert body["role"] == "viewer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 129}, "name"),
        ({"name": "a", "secret": "s"}, "secret"),
    ],
)
def test_create_schema_errors(call, admin_token, body, field):
    response = call("post", "/api/keys", body, token=admin_token)
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["field"]) == ("Validation failed", field)


def test_create_with_invalid_role(call, admin_token):
    response = call("post", "/api/keys", {"name": "a", "role": "god"}, token=admin_token)
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid role: god"}


def test_revoke(call, admin_token, org_key):
    api_key, secret = org_key("admin")
    response = call("delete", f"/api/keys/{api_key.pk}", token=admin_token)
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert call("post", "/auth/token", {"apiKey": secret}).status_code == 401
    listed = call("get", "/api/keys", token=admin_token).json()["keys"]
    assert listed[0]["active"] is False
    assert listed[0]["revokedAt"].endswith("Z")
    again = call("delete", f"/api/keys/{api_key.pk}", token=admin_token)
    assert again.status_code == 200  # idempotent


def test_revoke_unknown_and_invalid_ids(call, admin_token):
    assert call("delete", "/api/keys/424242", token=admin_token).json() == {
        "error": "API key not found"
    }
    response = call("delete", "/api/keys/abc", token=admin_token)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid key ID"})


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_keys_are_admin_only(call, token_for, role):
    token = token_for(role)
    assert call("get", "/api/keys", token=token).status_code == 403
    assert call("post", "/api/keys", {"name": "x"}, token=token).status_code == 403


def test_a_viewer_key_gets_viewer_tokens(call, org_key):
    _, secret = org_key("viewer")
    token = call("post", "/auth/token", {"apiKey": secret}).json()["accessToken"]
    assert call("get", "/api/hosts", token=token).status_code == 200
    assert call("post", "/api/hosts", {"name": "x"}, token=token).status_code == 403
