"""`POST /auth/token`: the shared API_KEY (AUTH_MODE=key) and per-organisation keys (any mode)."""

import pytest

from core.accounts.models import ApiKey, Organization
from core.accounts.tokens import principal_from_access_token
from tests.core.accounts.conftest import SHARED_KEY

pytestmark = pytest.mark.django_db


def test_shared_key_gives_admin_of_the_default_org(call, key_mode):
    response = call("post", "/auth/token", {"apiKey": SHARED_KEY})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken", "role", "serverName"}
    assert body["role"] == "admin"
    assert body["serverName"] == key_mode.SERVER_NAME
    assert len(body["refreshToken"]) == 96
    int(body["refreshToken"], 16)
    principal = principal_from_access_token(body["accessToken"])
    assert principal.subject == "admin"
    assert principal.kind == "shared_key"
    assert principal.org_id == Organization.objects.get(slug="default").pk


def test_access_token_claims_are_strings_and_complete(call, key_mode):
    import jwt

    token = call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()["accessToken"]
    claims = jwt.decode(token, key_mode.JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == "admin"
    assert isinstance(claims["org"], str)
    assert claims["role"] == "admin"
    assert {"jti", "iat", "exp", "kind", "sid"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_server_name_is_echoed(call, key_mode):
    key_mode.SERVER_NAME = "Production VPS"
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()["serverName"] == (
        "Production VPS"
    )


def test_wrong_key_is_401(call, key_mode):
    response = call("post", "/auth/token", {"apiKey": "nope"})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid API key"}


def test_missing_api_key_setting_never_500s(call, key_mode):
    key_mode.API_KEY = ""
    response = call("post", "/auth/token", {"apiKey": "anything"})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid API key"}


@pytest.mark.parametrize("mode", ["users", "something-else"])
def test_shared_key_outside_key_mode_points_to_login(call, settings, mode):
    settings.AUTH_MODE = mode
    response = call("post", "/auth/token", {"apiKey": SHARED_KEY})
    assert response.status_code == 400
    assert response.json() == {"error": "Use /auth/login for user-based auth"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "apiKey", "This field is required."),
        ({"apiKey": ""}, "apiKey", "This field may not be blank."),
        ({"apiKey": "x" * 257}, "apiKey", "Ensure this field has no more than 256 characters."),
        ({"apiKey": 123}, "apiKey", "must be string"),
        ({"apiKey": None}, "apiKey", "This field may not be null."),
        ({"apiKey": "k", "extra": 1}, "extra", "must NOT have additional properties"),
    ],
)
def test_schema_errors(call, key_mode, body, field, message):
    response = call("post", "/auth/token", body)
    assert response.status_code == 400
    assert response.json() == {"error": "Validation failed", "field": field, "message": message}


@pytest.mark.parametrize("raw", ["[]", '"key"', "null", "3"])
def test_body_must_be_an_object(call, key_mode, raw):
    response = call("post", "/auth/token", raw=raw)
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_absent_body_is_not_an_object(call, key_mode):
    response = call("post", "/auth/token")
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


@pytest.mark.parametrize("mode", ["key", "users"])
def test_org_key_works_in_both_modes_with_its_role(call, settings, org, org_key, mode):
    settings.AUTH_MODE = mode
    api_key, secret = org_key("operator")
    response = call("post", "/auth/token", {"apiKey": secret})
    assert response.status_code == 200
    assert response.json()["role"] == "operator"
    principal = principal_from_access_token(response.json()["accessToken"])
    assert (principal.kind, principal.org_id, principal.api_key_id) == (
        "api_key",
        org.pk,
        api_key.pk,
    )
    assert principal.subject == f"apikey:{api_key.pk}"
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize("mode", ["key", "users"])
def test_wrong_secret_for_an_org_key_prefix_is_401(call, settings, org_key, mode):
    settings.AUTH_MODE = mode
    _, secret = org_key()
    response = call("post", "/auth/token", {"apiKey": secret[:-4] + "AAAA"})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid API key"}


def test_revoked_org_key_is_refused(call, key_mode, org_key):
    api_key, secret = org_key()
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at="2020-01-01T00:00:00Z")
    assert call("post", "/auth/token", {"apiKey": secret}).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(call, key_mode, org_key):
    api_key, secret = org_key()
    call("post", "/auth/token", {"apiKey": secret})
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    call("post", "/auth/token", {"apiKey": secret})
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first
