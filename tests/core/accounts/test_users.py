"""`/auth/users`: list, create, delete, change role — scoped to the caller's organisation."""

import pytest

from core.accounts.models import Membership, Organization, User
from tests.core.accounts.conftest import SHARED_KEY, login

pytestmark = pytest.mark.django_db
NEW = {"email": "new.person@example.com", "password": "long enough pw", "role": "operator"}


@pytest.fixture
def pro_org(org):
    Organization.objects.filter(pk=org.pk).update(edition="enterprise")
    org.refresh_from_db()
    org.save()  # saving drops the cached edition
    return org


@pytest.fixture
def admin_session(call, users_mode, pro_org, member):
    admin = member("admin")
    return admin, login(call, admin.email).json()["accessToken"]


def test_list_users_of_the_organisation_only(call, admin_session, member, other_org):
    admin, token = admin_session
    viewer = member("viewer")
    member("admin", other_org)
    response = call("get", "/auth/users", token=token)
    assert response.status_code == 200
    users = response.json()["users"]
    assert [u["email"] for u in users] == [admin.email, viewer.email]
    assert set(users[0]) == {"id", "email", "role", "created_at", "last_login"}
    assert users[0]["created_at"].endswith("Z")
    assert users[0]["last_login"].endswith("Z")
    assert users[1]["last_login"] is None


def test_create_user(call, admin_session, pro_org):
    _, token = admin_session
    response = call("post", "/auth/users", NEW, token=token)
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "email": NEW["email"], "role": "operator"}
    assert Membership.objects.get(user_id=body["id"]).org_id == pro_org.pk
    assert login(call, NEW["email"], NEW["password"]).json()["role"] == "operator"


def test_create_duplicate_user(call, admin_session, member, other_org):
    _, token = admin_session
    existing = member("viewer", other_org)
    response = call("post", "/auth/users", {**NEW, "email": existing.email.upper()}, token=token)
    assert response.status_code == 400
    assert response.json() == {"error": "User already exists"}


def test_create_with_invalid_role(call, admin_session):
    _, token = admin_session
    response = call("post", "/auth/users", {**NEW, "role": "superuser"}, token=token)
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid role: superuser"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short"}, "password", "Ensure this field has at least 8 characters."),
        ({"email": "nope"}, "email", 'must match format "email"'),
        ({"extra": True}, "extra", "must NOT have additional properties"),
        ({"role": 3}, "role", "must be string"),
    ],
)
def test_create_schema_errors(call, admin_session, change, field, message):
    _, token = admin_session
    response = call("post", "/auth/users", {**NEW, **change}, token=token)
    assert response.status_code == 400
    assert response.json() == {"error": "Validation failed", "field": field, "message": message}


def test_create_missing_field(call, admin_session):
    _, token = admin_session
    response = call("post", "/auth/users", {"email": NEW["email"]}, token=token)
    assert response.json()["field"] == "password"


def test_ce_organisation_is_limited_to_one_user(call, users_mode, org, member):
    admin = member("admin")
    token = login(call, admin.email).json()["accessToken"]
    response = call("post", "/auth/users", NEW, token=token)
    assert response.status_code == 402
    assert response.json()["max"] == 1


def test_delete_user(call, admin_session, member):
    _, token = admin_session
    viewer = member("viewer")
    response = call("delete", f"/auth/users/{viewer.pk}", token=token)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert not User.objects.filter(pk=viewer.pk).exists()


def test_delete_keeps_a_user_other_organisations_know(call, admin_session, member, other_org):
    _, token = admin_session
    viewer = member("viewer")
    Membership.objects.create(user=viewer, org=other_org, role="admin")
    call("delete", f"/auth/users/{viewer.pk}", token=token)
    assert list(Membership.objects.filter(user=viewer).values_list("org_id", flat=True)) == [
        other_org.pk
    ]


def test_cannot_delete_yourself_even_after_a_refresh(call, admin_session, member):
    admin, _ = admin_session
    member("admin")
    session = login(call, admin.email).json()
    refreshed = call("post", "/auth/refresh", {"refreshToken": session["refreshToken"]}).json()
    response = call("delete", f"/auth/users/{admin.pk}", token=refreshed["accessToken"])
    assert response.status_code == 400
    assert response.json() == {"error": "Cannot delete your own account"}


def test_cannot_delete_the_last_admin(call, users_mode, pro_org, member, org_key):
    admin = member("admin")
    _, secret = org_key("admin")
    token = call("post", "/auth/token", {"apiKey": secret}).json()["accessToken"]
    response = call("delete", f"/auth/users/{admin.pk}", token=token)
    assert response.status_code == 409
    assert response.json() == {"error": "Cannot remove the last admin of the organization"}


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "99999999999999999999"])
def test_invalid_user_id(call, admin_session, bad):
    _, token = admin_session
    for method, path, body in [
        ("delete", f"/auth/users/{bad}", None),
        ("put", f"/auth/users/{bad}/role", {"role": "viewer"}),
    ]:
        response = call(method, path, body, token=token)
        assert response.status_code == 400
        assert response.json() == {"error": "Invalid user ID"}


def test_unknown_user_is_404(call, admin_session):
    _, token = admin_session
    assert call("delete", "/auth/users/999999", token=token).json() == {"error": "User not found"}
    response = call("put", "/auth/users/999999/role", {"role": "viewer"}, token=token)
    assert response.status_code == 404


def test_change_role(call, admin_session, member):
    _, token = admin_session
    viewer = member("viewer")
    response = call("put", f"/auth/users/{viewer.pk}/role", {"role": "operator"}, token=token)
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert Membership.objects.get(user=viewer).role == "operator"


@pytest.mark.parametrize(("role", "shown"), [("root", "root"), (7, "7"), (None, "null"), ("", "")])
def test_change_to_an_invalid_role(call, admin_session, member, role, shown):
    _, token = admin_session
    viewer = member("viewer")
    response = call("put", f"/auth/users/{viewer.pk}/role", {"role": role}, token=token)
    assert response.status_code == 400
    assert response.json() == {"error": f"Invalid role: {shown}"}


def test_cannot_demote_the_last_admin(call, admin_session):
    admin, token = admin_session
    response = call("put", f"/auth/users/{admin.pk}/role", {"role": "viewer"}, token=token)
    assert response.status_code == 409
    assert Membership.objects.get(user=admin).role == "admin"


def test_an_admin_may_demote_themselves_when_another_admin_remains(call, admin_session, member):
    admin, token = admin_session
    member("admin")
    response = call("put", f"/auth/users/{admin.pk}/role", {"role": "viewer"}, token=token)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_non_admins_are_refused(call, users_mode, member, role):
    user = member(role)
    token = login(call, user.email).json()["accessToken"]
    response = call("get", "/auth/users", token=token)
    assert response.status_code == 403
    assert response.json() == {"error": "Insufficient permissions"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/auth/users", None),
        ("post", "/auth/users", NEW),
        ("delete", "/auth/users/1", None),
        ("put", "/auth/users/1/role", {"role": "viewer"}),
    ],
)
def test_key_mode_answers_a_clear_400(call, key_mode, method, path, body):
    token = call("post", "/auth/token", {"apiKey": SHARED_KEY}).json()["accessToken"]
    response = call(method, path, body, token=token)
    assert response.status_code == 400
    assert response.json() == {"error": "User management requires AUTH_MODE=users"}
