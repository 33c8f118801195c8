"""`POST /auth/login`: e-mail and password, for one organisation (AUTH_MODE=users)."""

import pytest
from django.contrib.auth.hashers import make_password

from core.accounts import credentials
from core.accounts.models import Membership, User
from core.accounts.tokens import principal_from_access_token
from tests.core.accounts.conftest import login

pytestmark = pytest.mark.django_db


def test_login_returns_tokens_for_the_first_membership(call, users_mode, org, other_org, member):
    user = member("operator")
    Membership.objects.create(user=user, org=other_org, role="admin")
    response = login(call, user.email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken", "role", "email", "serverName"}
    assert (body["role"], body["email"]) == ("operator", user.email)
    principal = principal_from_access_token(body["accessToken"])
    assert principal.subject == str(user.pk)
    assert (principal.kind, principal.org_id, principal.user_id) == ("user", org.pk, user.pk)
    assert principal.email == user.email
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_may_name_the_organisation(call, users_mode, org, other_org, member):
    user = member("operator")
    Membership.objects.create(user=user, org=other_org, role="admin")
    response = login(call, user.email, org=other_org.slug)
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert principal_from_access_token(response.json()["accessToken"]).org_id == other_org.pk


def test_email_is_case_insensitive(call, users_mode, member):
    user = member("viewer")
    assert login(call, user.email.upper()).status_code == 200


@pytest.mark.parametrize("org_slug", ["not-mine", "no-such-org"])
def test_login_to_an_organisation_without_membership_is_403(
    call, users_mode, member, other_org, org_slug
):
    user = member("viewer")
    slug = other_org.slug if org_slug == "not-mine" else org_slug
    response = login(call, user.email, org=slug)
    assert response.status_code == 403
    assert response.json() == {"error": "Not a member of this organization"}


def test_wrong_password_is_401(call, users_mode, member):
    user = member("viewer")
    response = login(call, user.email, "wrong password")
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid credentials"}


def test_unknown_email_is_401_and_runs_the_hasher(call, users_mode, monkeypatch):
    checked = []
    real = credentials.check_password
    monkeypatch.setattr(
        credentials, "check_password", lambda *args: checked.append(args) or real(*args)
    )
    response = login(call, "nobody@example.com", "whatever-password")
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid credentials"}
    assert len(checked) == 1  # a dummy hash was verified, like a wrong password would be


def test_inactive_user_is_401(call, users_mode, member):
    user = member("admin")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert login(call, user.email).status_code == 401


def test_old_hashes_are_upgraded_on_login(call, users_mode, member, settings):
    user = member("viewer")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    User.objects.filter(pk=user.pk).update(
        password=make_password("correct horse battery", hasher="md5")
    )
    assert login(call, user.email).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")


@pytest.mark.parametrize("mode", ["key", "bogus"])
def test_login_outside_users_mode_points_to_token(call, settings, member, mode):
    settings.AUTH_MODE = mode
    user = member("admin")
    response = login(call, user.email)
    assert response.status_code == 400
    assert response.json() == {"error": "Use /auth/token for API key auth"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"password": "x"}, "email", "This field is required."),
        ({"email": "a@b.co"}, "password", "This field is required."),
        ({"email": "not-an-email", "password": "x"}, "email", 'must match format "email"'),
        ({"email": "a@b.co", "password": ""}, "password", "This field may not be blank."),
        ({"email": "a@b.co", "password": 12345678}, "password", "must be string"),
        (
            {"email": "a@b.co", "password": "x" * 257},
            "password",
            "Ensure this field has no more than 256 characters.",
        ),
        ({"email": "a@b.co", "password": "x", "role": "admin"}, "role", None),
    ],
)
@pytest.mark.parametrize("mode", ["key", "users"])
def test_schema_errors_in_both_modes(call, settings, body, field, message, mode):
    settings.AUTH_MODE = mode
    response = call("post", "/auth/login", body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "Validation failed"
    assert payload["field"] == field
    assert payload["message"] == (message or "must NOT have additional properties")


def test_body_must_be_an_object(call, users_mode):
    response = call("post", "/auth/login", raw="[1, 2]")
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}
