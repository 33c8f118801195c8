"""The identity endpoints write the original's semantic audit rows."""

import pytest

from core.audit.models import AuditLog
from tests.core.accounts.conftest import SHARED_KEY, login

pytestmark = pytest.mark.django_db


def test_token_exchange_is_audited(call, key_mode):
    call("post", "/auth/token", {"apiKey": SHARED_KEY})
    row = AuditLog.objects.get(action="auth.token")
    assert (row.user_id, row.detail, row.ip) == ("admin", "API key authentication", "203.0.113.10")


def test_login_is_audited(call, users_mode, member, org):
    user = member("viewer")
    login(call, user.email)
    row = AuditLog.objects.get(action="auth.login")
    assert (row.user_id, row.detail, row.org_id) == (
        user.email,
        f"User login: {user.email}",
        org.pk,
    )


def test_user_management_is_audited(call, users_mode, org, member):
    org.edition = "enterprise"
    org.save()
    admin = member("admin")
    token = login(call, admin.email).json()["accessToken"]
    body = {"email": "n@example.com", "password": "long enough", "role": "viewer"}
    created = call("post", "/auth/users", body, token=token).json()
    call("put", f"/auth/users/{created['id']}/role", {"role": "operator"}, token=token)
    call("delete", f"/auth/users/{created['id']}", token=token)
    rows = {row.action: row for row in AuditLog.objects.filter(org=org, user_id=admin.email)}
    assert rows["user.create"].target == "n@example.com"
    assert rows["user.create"].detail == "Role: viewer"
    assert rows["user.role"].detail == "New role: operator"
    assert rows["user.delete"].target == str(created["id"])


def test_secrets_never_reach_the_audit_log(call, key_mode, token_for):
    created = call("post", "/api/keys", {"name": "k"}, token=token_for("admin")).json()
    call("post", "/auth/token", {"apiKey": created["apiKey"]})
    text = " ".join(f"{row.target} {row.detail}" for row in AuditLog.objects.all())
    assert created["apiKey"] not in text
    assert SHARED_KEY not in text
