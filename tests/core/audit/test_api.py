"""`GET /api/audit` (admin), spec §3.2 and §13.8."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.audit.models import AuditLog
from core.audit.services import record_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(acme, globex):
    """Five Acme rows (oldest first) plus rows of another tenant and of nobody."""
    now = timezone.now()
    made = []
    for age, (user, action) in enumerate(
        [
            ("alice@x.test", "container.stop"),
            ("bob@x.test", "container.stop"),
            ("alice@x.test", "container.start"),
            ("alice@x.test", "container.stop"),
            ("bob@x.test", "user.create"),
        ]
    ):
        row = record_event(action=action, user_id=user, org=acme, target=f"t{age}", detail="d")
        AuditLog.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=10 - age))
        made.append(row.pk)
    record_event(action="container.stop", user_id="alice@x.test", org=globex)
    record_event(action="container.stop", user_id="alice@x.test", org=None)
    return made


def _get(client, query=""):
    response = client.get(f"/api/audit{query}")
    return response, response.json()


def test_lists_the_organisation_newest_first(client_as, acme, rows):
    response, body = _get(client_as(acme))
    assert response.status_code == 200
    assert (body["total"], body["limit"], body["offset"]) == (5, 50, 0)
    assert [log["id"] for log in body["logs"]] == list(reversed(rows))
    first = body["logs"][0]
    assert set(first) == {"id", "user_id", "action", "target", "detail", "created_at"}
    assert (first["user_id"], first["action"], first["target"]) == (
        "bob@x.test",
        "user.create",
        "t4",
    )
    assert first["created_at"].endswith("Z")


def test_action_filter_is_exact(client_as, acme, rows):
    _, body = _get(client_as(acme), "?action=container.stop")
    assert body["total"] == 3
    assert {log["action"] for log in body["logs"]} == {"container.stop"}
    assert _get(client_as(acme), "?action=container")[1]["total"] == 0


def test_user_filter_is_exact(client_as, acme, rows):
    _, body = _get(client_as(acme), "?user=alice@x.test")
    assert body["total"] == 3
    assert _get(client_as(acme), "?user=alice")[1]["total"] == 0


def test_filters_combine_with_and(client_as, acme, rows):
    _, body = _get(client_as(acme), "?action=container.stop&user=alice@x.test")
    assert body["total"] == 2
    assert [log["id"] for log in body["logs"]] == [rows[3], rows[0]]


def test_no_match(client_as, acme, rows):
    _, body = _get(client_as(acme), "?action=nothing.like.this")
    assert body == {"logs": [], "total": 0, "limit": 50, "offset": 0}


def test_pagination(client_as, acme, rows):
    _, body = _get(client_as(acme), "?limit=2&offset=1")
    assert [log["id"] for log in body["logs"]] == [rows[3], rows[2]]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)
    _, past_end = _get(client_as(acme), "?offset=99")
    assert (past_end["logs"], past_end["total"]) == ([], 5)


@pytest.mark.parametrize(
    ("query", "limit", "offset"),
    [
        ("?limit=0", 1, 0),
        ("?limit=-4", 1, 0),
        ("?limit=501", 500, 0),
        ("?limit=100000", 500, 0),
        ("?limit=500", 500, 0),
        ("?limit=", 50, 0),
        ("?offset=-3", 50, 0),
        ("?limit=%207%20", 7, 0),
    ],
)
def test_limit_and_offset_are_clamped(client_as, acme, query, limit, offset):
    response, body = _get(client_as(acme), query)
    assert response.status_code == 200
    assert (body["limit"], body["offset"]) == (limit, offset)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?limit=abc", "limit must be an integer"),
        ("?limit=1.5", "limit must be an integer"),
        ("?limit=NaN", "limit must be an integer"),
        ("?offset=ten", "offset must be an integer"),
    ],
)
def test_non_numeric_paging_is_a_400(client_as, acme, query, message):
    response, body = _get(client_as(acme), query)
    assert response.status_code == 400
    assert body == {"error": message}


def test_other_tenants_rows_never_show(client_as, globex, rows):
    _, body = _get(client_as(globex))
    assert body["total"] == 1
    assert body["logs"][0]["user_id"] == "alice@x.test"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_admin_only(client_as, acme, role):
    response, body = _get(client_as(acme, role))
    assert response.status_code == 403
    assert body == {"error": "Insufficient permissions"}


def test_requires_authentication(db):
    response = APIClient().get("/api/audit")
    assert response.status_code == 401
    assert "error" in response.json()


def test_reading_the_log_writes_no_row(client_as, acme):
    _get(client_as(acme))
    assert AuditLog.objects.count() == 0
