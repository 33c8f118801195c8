"""`POST /auth/refresh` and `/auth/logout`: one-time rotation, families, re-read identity."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.accounts.models import Membership, RefreshToken, User
from core.accounts.tokens import principal_from_access_token, sha256_hex
from tests.core.accounts.conftest import SHARED_KEY, login

pytestmark = pytest.mark.django_db
INVALID = {"error": "Invalid or expired refresh token"}


def refresh(call, token, **kwargs):
    return call("post", "/auth/refresh", {"refreshToken": token}, **kwargs)


@pytest.fixture
def user_session(call, users_mode, member):
    user = member("admin")
    member("admin")  # a second admin, so demoting the first is allowed
    return user, login(call, user.email).json()


def test_refresh_rotates_and_the_old_token_dies(call, user_session):
    user, session = user_session
    response = refresh(call, session["refreshToken"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"accessToken", "refreshToken"}
    assert body["refreshToken"] != session["refreshToken"]
    principal = principal_from_access_token(body["accessToken"])
    assert principal.subject == str(user.pk)  # still a string after a refresh (spec §14.2)
    assert principal.session_id == principal_from_access_token(session["accessToken"]).session_id
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_reuse_revokes_the_whole_family(call, user_session):
    _, session = user_session
    newer = refresh(call, session["refreshToken"]).json()["refreshToken"]
    replay = refresh(call, session["refreshToken"])
    assert replay.status_code == 401
    assert replay.json() == INVALID
    assert refresh(call, newer).json() == INVALID  # the thief's replay also ended the chain


def test_reuse_leaves_other_families_alone(call, user_session):
    user, session = user_session
    other = login(call, user.email).json()
    refresh(call, session["refreshToken"])
    refresh(call, session["refreshToken"])
    assert refresh(call, other["refreshToken"]).status_code == 200


def test_refresh_works_in_key_mode(call, key_mode):
    session = call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()
    response = refresh(call, session["refreshToken"])
    assert response.status_code == 200
    assert principal_from_access_token(response.json()["accessToken"]).subject == "admin"


def test_shared_key_sessions_end_when_key_mode_is_left(call, key_mode):
    session = call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()
    key_mode.AUTH_MODE = "users"
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_demotion_takes_effect_at_the_next_refresh(call, user_session, auth_client):
    user, session = user_session
    membership = Membership.objects.get(user=user)
    Membership.objects.filter(pk=membership.pk).update(role="viewer")  # changed behind its back
    response = refresh(call, session["refreshToken"])
    assert response.status_code == 200
    assert response.json()["role"] == "viewer"
    assert principal_from_access_token(response.json()["accessToken"]).role == "viewer"


def test_role_change_through_the_api_revokes_sessions(call, user_session, org, token_for):
    user, session = user_session
    admin_token = token_for("admin")
    changed = call("put", f"/auth/users/{user.pk}/role", {"role": "viewer"}, token=admin_token)
    assert changed.status_code == 200
    assert refresh(call, session["refreshToken"]).json() == INVALID
    again = login(call, user.email).json()
    assert again["role"] == "viewer"


def test_deletion_takes_effect_at_the_next_refresh(call, user_session, token_for):
    user, session = user_session
    deleted = call("delete", f"/auth/users/{user.pk}", token=token_for("admin"))
    assert deleted.status_code == 200
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_membership_removed_behind_its_back_ends_the_session(call, user_session):
    user, session = user_session
    Membership.objects.filter(user=user).delete()
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_deactivated_user_cannot_refresh(call, user_session):
    user, session = user_session
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_revoked_api_key_takes_effect_at_the_next_refresh(call, key_mode, org_key, token_for):
    api_key, secret = org_key("admin")
    session = call("post", "/auth/token", {"apiKey": secret}).json()
    revoked = call("delete", f"/api/keys/{api_key.pk}", token=token_for("admin"))
    assert revoked.status_code == 200
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_api_key_role_change_is_picked_up_at_refresh(call, key_mode, org_key):
    api_key, secret = org_key("admin")
    session = call("post", "/auth/token", {"apiKey": secret}).json()
    type(api_key).objects.filter(pk=api_key.pk).update(role="viewer")
    assert refresh(call, session["refreshToken"]).json()["role"] == "viewer"


def test_expired_refresh_token_is_401(call, user_session):
    _, session = user_session
    RefreshToken.objects.filter(token_hash=sha256_hex(session["refreshToken"])).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert refresh(call, session["refreshToken"]).json() == INVALID


def test_refresh_token_lives_seven_days(call, user_session):
    _, session = user_session
    row = RefreshToken.objects.get(token_hash=sha256_hex(session["refreshToken"]))
    lifetime = row.expires_at - row.created_at
    assert timedelta(days=7) - timedelta(seconds=5) < lifetime <= timedelta(days=7)


def test_only_the_hash_is_stored(call, user_session):
    _, session = user_session
    assert not RefreshToken.objects.filter(token_hash=session["refreshToken"]).exists()
    assert RefreshToken.objects.filter(token_hash=sha256_hex(session["refreshToken"])).exists()


def test_fingerprint_mismatch_revokes_only_that_family(call, user_session):
    user, session = user_session
    other = login(call, user.email).json()
    stolen = refresh(call, session["refreshToken"], ua="some other browser")
    assert stolen.json() == INVALID
    assert refresh(call, session["refreshToken"]).json() == INVALID  # that family is gone
    assert refresh(call, other["refreshToken"]).status_code == 200  # the other device is not


def test_a_new_network_is_not_a_new_device(call, user_session):
    _, session = user_session
    assert refresh(call, session["refreshToken"], ip="198.51.100.7").status_code == 200


def test_unknown_token_is_401(call, users_mode):
    assert refresh(call, "ab" * 48).json() == INVALID


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "refreshToken"),
        ({"refreshToken": ""}, "refreshToken"),
        ({"refreshToken": "x" * 513}, "refreshToken"),
        ({"refreshToken": "x", "a": 1}, "a"),
    ],
)
def test_schema_errors(call, users_mode, body, field):
    response = call("post", "/auth/refresh", body)
    assert response.status_code == 400
    assert response.json()["error"] == "Validation failed"
    assert response.json()["field"] == field


def test_logout_revokes_the_family(call, user_session):
    user, session = user_session
    other = login(call, user.email).json()
    newer = refresh(call, session["refreshToken"]).json()["refreshToken"]
    response = call("post", "/auth/logout", {"refreshToken": session["refreshToken"]})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert refresh(call, newer).json() == INVALID
    assert refresh(call, other["refreshToken"]).status_code == 200


def test_logout_with_an_unknown_token_is_still_ok(call, users_mode):
    response = call("post", "/auth/logout", {"refreshToken": "nope"})
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_logout_validates_its_body(call, users_mode):
    response = call("post", "/auth/logout", {})
    assert response.status_code == 400
    assert response.json()["field"] == "refreshToken"


def test_prune_deletes_long_expired_rows_only(call, user_session):
    from core.accounts.tasks import prune_refresh_tokens

    _, session = user_session
    rows = RefreshToken.objects.filter(token_hash=sha256_hex(session["refreshToken"]))
    assert prune_refresh_tokens() == 0
    rows.update(expires_at=timezone.now() - timedelta(hours=1))
    assert prune_refresh_tokens() == 0  # a just-expired token is still recognised for a while
    rows.update(expires_at=timezone.now() - timedelta(days=2))
    assert prune_refresh_tokens() == 1
