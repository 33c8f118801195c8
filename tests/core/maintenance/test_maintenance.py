"""Maintenance mode: the API of spec §3.2 (persistent, audited, announced) and the service
other features call."""

import json

import pytest
from django.core.cache import cache

from core.audit.models import AuditLog
from core.maintenance.models import MaintenanceMode
from core.maintenance.services import is_on, set_state, state_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream(stream_tap):
    return stream_tap.messages


def test_off_by_default(auth_client):
    response = auth_client("viewer").get("/api/maintenance")
    assert response.status_code == 200
    assert response.json() == {"enabled": False, "since": None, "by": None}


def test_admin_switches_it_on_and_off(org, auth_client, django_capture_on_commit_callbacks):
    admin = auth_client("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/api/maintenance", {"enabled": True}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert body["enabled"] is True
    assert body["by"].startswith("admin-")
    assert body["since"].endswith("Z")
    assert auth_client("viewer").get("/api/maintenance").json() == body
    assert is_on(org.pk)
    audit = AuditLog.objects.get(action="maintenance.toggle")
    assert (audit.detail, audit.org_id) == ("enabled", org.pk)
    with django_capture_on_commit_callbacks(execute=True):
        off = admin.post("/api/maintenance", {"enabled": False}, format="json").json()
    assert off["enabled"] is False
    assert not is_on(org.pk)
    assert list(AuditLog.objects.filter(action="maintenance.toggle").values_list(
        "detail", flat=True).order_by("id")) == ["enabled", "disabled"]  # fmt: skip


@pytest.mark.parametrize("body", [{"enabled": "true"}, {"enabled": 1}, {}, None])
def test_only_a_literal_true_enables(org, auth_client, body):
    admin = auth_client("admin")
    set_state(org.pk, True, "tester")
    response = admin.post("/api/maintenance", body, format="json")
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert not is_on(org.pk)


def test_only_admins_switch_it(auth_client):
    for role in ("viewer", "operator"):
        response = auth_client(role).post("/api/maintenance", {"enabled": True}, format="json")
        assert response.status_code == 403
        assert response.json() == {"error": "Insufficient permissions"}
    assert not MaintenanceMode.objects.filter(enabled=True).exists()


def test_it_is_per_organisation(org, other_org, auth_client):
    auth_client("admin").post("/api/maintenance", {"enabled": True}, format="json")
    assert is_on(org.pk)
    assert not is_on(other_org.pk)
    assert auth_client("viewer", other_org).get("/api/maintenance").json()["enabled"] is False


def test_it_survives_a_restart(org):
    set_state(org.pk, True, "tester")
    cache.clear()
    assert is_on(org.pk)
    assert state_of(org.pk).by == "tester"


def test_is_on_is_served_from_the_cache(org, django_assert_num_queries):
    is_on(org.pk)
    with django_assert_num_queries(0):
        assert is_on(org.pk) is False


def test_a_change_refreshes_the_cache(org, django_capture_on_commit_callbacks):
    assert is_on(org.pk) is False  # cached
    with django_capture_on_commit_callbacks(execute=True):
        set_state(org.pk, True, "tester")
    assert is_on(org.pk) is True


def test_setting_the_same_state_changes_nothing(org, django_capture_on_commit_callbacks):
    first = set_state(org.pk, True, "alice")
    again = set_state(org.pk, True, "bob")
    assert again == first
    assert set_state(org.pk, False, "carol").by == "carol"


def test_a_change_is_announced_on_the_stream(org, stream, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_state(org.pk, True, "alice")
        set_state(org.pk, True, "alice")  # no change, no announcement
    [message] = [m for m in stream() if m.event == "maintenance"]
    assert message.org_id == org.pk
    data = json.loads(message.data_json)
    assert data["enabled"] is True
    assert data["by"] == "alice"


def test_bad_json_is_a_400(auth_client):
    response = auth_client("admin").generic(
        "POST", "/api/maintenance", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert "error" in response.json()
