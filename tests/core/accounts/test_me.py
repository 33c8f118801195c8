"""`GET /auth/me` and `PUT /auth/me/password`."""

import pytest

from core.accounts.models import User
from tests.core.accounts.conftest import MEMBER_PASSWORD, SHARED_KEY, login

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a much better passphrase"


def test_me_for_a_user(call, users_mode, org, member):
    user = member("operator")
    token = login(call, user.email).json()["accessToken"]
    response = call("get", "/auth/me", token=token)
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "sub": str(user.pk),
        "kind": "user",
        "email": user.email,
        "role": "operator",
        "org": {"id": org.pk, "slug": org.slug, "name": org.name, "edition": "ce"},
    }


def test_me_for_the_shared_key(call, key_mode):
    token = call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()["accessToken"]
    body = call("get", "/auth/me", token=token).json()
    assert (body["sub"], body["kind"], body["role"], body["id"]) == (
        "admin",
        "shared_key",
        "admin",
        None,
    )
    assert body["org"]["slug"] == "default"


def test_me_needs_a_token(call):
    response = call("get", "/auth/me")
    assert response.status_code == 401


@pytest.fixture
def session(call, users_mode, member):
    user = member("viewer")
    return user, login(call, user.email).json()


def change(call, token, current, new, **kwargs):
    body = {"currentPassword": current, "newPassword": new}
    return call("put", "/auth/me/password", body, token=token, **kwargs)


def test_change_password(call, session):
    user, tokens = session
    response = change(call, tokens["accessToken"], MEMBER_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert login(call, user.email, MEMBER_PASSWORD).status_code == 401
    assert login(call, user.email, NEW_PASSWORD).status_code == 200


def test_change_password_keeps_this_session_and_ends_the_others(call, session):
    user, tokens = session
    other = login(call, user.email).json()
    change(call, tokens["accessToken"], MEMBER_PASSWORD, NEW_PASSWORD)
    assert (
        call("post", "/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 200
    )
    assert call("post", "/auth/refresh", {"refreshToken": other["refreshToken"]}).status_code == 401


def test_wrong_current_password(call, session):
    _, tokens = session
    response = change(call, tokens["accessToken"], "not it", NEW_PASSWORD)
    assert response.status_code == 400
    assert response.json() == {"error": "Current password is incorrect"}


def test_wrong_current_password_counts_toward_the_lockout(call, session):
    _, tokens = session
    for index in range(5):
        change(call, tokens["accessToken"], "not it", NEW_PASSWORD, ip=f"198.51.100.{index}")
    response = change(call, tokens["accessToken"], MEMBER_PASSWORD, NEW_PASSWORD, ip="192.0.2.9")
    assert response.status_code == 429


def test_new_password_must_have_8_characters(call, session):
    _, tokens = session
    response = change(call, tokens["accessToken"], MEMBER_PASSWORD, "short")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Validation failed",
        "field": "newPassword",
        "message": "Ensure this field has at least 8 characters.",
    }


def test_django_validators_apply(call, session, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"}
    ]
    _, tokens = session
    response = change(call, tokens["accessToken"], MEMBER_PASSWORD, "1234567890")
    assert response.status_code == 400
    assert response.json()["field"] == "newPassword"
    assert response.json()["message"] == "This password is entirely numeric."


def test_extra_fields_are_refused(call, session):
    _, tokens = session
    body = {"currentPassword": MEMBER_PASSWORD, "newPassword": NEW_PASSWORD, "email": "x@y.z"}
    response = call("put", "/auth/me/password", body, token=tokens["accessToken"])
    assert response.json()["field"] == "email"


def test_keys_have_no_password(call, key_mode):
    token = call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()["accessToken"]
    response = change(call, token, "a", NEW_PASSWORD)
    assert response.status_code == 400
    assert response.json() == {"error": "Only user accounts have a password"}


def test_deleted_user_token_cannot_change_password(call, session):
    user, tokens = session
    User.objects.filter(pk=user.pk).delete()
    response = change(call, tokens["accessToken"], MEMBER_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 401


def test_token_of_a_deleted_organisation_is_refused(call, key_mode, org, token_for):
    from core.accounts.models import Organization

    token = token_for("viewer")
    Organization.objects.filter(pk=org.pk).delete()
    response = call("get", "/auth/me", token=token)
    assert (response.status_code, response.json()) == (401, {"error": "Invalid token"})
