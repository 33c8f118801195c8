"""`/api/push/register` (spec §3.2) plus unregister and the caller's own tokens (§14.31)."""

import pytest

from core.audit.models import AuditLog
from core.push.models import PushToken
from core.push.tokens import is_expo_push_token

TOKEN = "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (TOKEN, True),
        ("ExpoPushToken[abc123]", True),
        ("6f1c2a34-1b2c-4d5e-8f90-123456789abc", True),
        ("6F1C2A34-1B2C-4D5E-8F90-123456789ABC", True),
        ("ExponentPushToken[]", False),
        ("ExponentPushToken[abc", False),
        ("ExponentPushToken[a b]", False),
        ("xExponentPushToken[abc]", False),
        ("FcmToken[abc]", False),
        ("6f1c2a34-1b2c-4d5e-8f90-123456789ab", False),
        ("ExponentPushToken[" + "a" * 300 + "]", False),
        (5, False),
        (None, False),
    ],
)
def test_expo_token_format(value, valid):
    assert is_expo_push_token(value) is valid


def test_register_upserts_per_org(auth_client, org, other_org):
    viewer = auth_client("viewer")
    assert viewer.post("/api/push/register", {"token": TOKEN}, format="json").json() == {"ok": True}
    assert viewer.post("/api/push/register", {"token": TOKEN}, format="json").status_code == 200
    assert PushToken.objects.filter(org=org).count() == 1
    row = PushToken.objects.get(org=org)
    assert row.server_name == "Cockpit Server"
    assert row.user_id is not None
    # the same device in another organisation is a separate registration
    auth_client("viewer", other_org).post("/api/push/register", {"token": TOKEN}, format="json")
    assert PushToken.objects.count() == 2
    # registered again by someone else: it is theirs now
    admin = auth_client("admin")
    admin.post("/api/push/register", {"token": TOKEN}, format="json")
    assert PushToken.objects.get(org=org).user_id != row.user_id
    assert AuditLog.objects.filter(action="push.register").count() == 4


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "token required"),
        ({"token": ""}, "token required"),
        ({"token": None}, "token required"),
        ({"token": "not-a-token"}, "Invalid Expo push token"),
        ({"token": 12345}, "Invalid Expo push token"),
    ],
)
def test_register_errors(auth_client, org, body, error):
    response = auth_client("viewer").post("/api/push/register", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert not PushToken.objects.exists()


def test_register_without_body_or_token(auth_client, api_client, org):
    assert auth_client("viewer").post("/api/push/register").json() == {"error": "token required"}
    assert api_client.post("/api/push/register", {"token": TOKEN}).status_code == 401


def test_unregister_own_token(auth_client, org):
    viewer = auth_client("viewer")
    viewer.post("/api/push/register", {"token": TOKEN}, format="json")
    response = viewer.delete("/api/push/register", {"token": TOKEN}, format="json")
    assert response.json() == {"ok": True, "removed": True}
    assert not PushToken.objects.exists()
    assert viewer.delete("/api/push/register", {"token": TOKEN}, format="json").json() == {
        "ok": True,
        "removed": False,
    }
    assert AuditLog.objects.filter(action="push.unregister").count() == 1
    assert viewer.delete("/api/push/register").json() == {"error": "token required"}
    viewer.post("/api/push/register", {"token": TOKEN}, format="json")
    assert viewer.delete(f"/api/push/register?token={TOKEN}").json()["removed"] is True


def test_only_admins_unregister_other_members_tokens(auth_client, org):
    auth_client("viewer").post("/api/push/register", {"token": TOKEN}, format="json")
    other = auth_client("operator")
    assert (
        other.delete("/api/push/register", {"token": TOKEN}, format="json").json()["removed"]
        is False
    )
    assert (
        auth_client("admin")
        .delete("/api/push/register", {"token": TOKEN}, format="json")
        .json()["removed"]
        is True
    )


def test_tokens_lists_own_registrations_only(auth_client, org, other_org):
    mine = auth_client("viewer")
    mine.post("/api/push/register", {"token": TOKEN}, format="json")
    auth_client("viewer").post("/api/push/register", {"token": "ExpoPushToken[other]"},
                               format="json")  # fmt: skip
    auth_client("viewer", other_org).post(
        "/api/push/register", {"token": "ExpoPushToken[theirs]"}, format="json"
    )
    tokens = mine.get("/api/push/tokens").json()["tokens"]
    assert [row["token"] for row in tokens] == [TOKEN]
    assert tokens[0]["created_at"].endswith("Z")
