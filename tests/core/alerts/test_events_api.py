"""`/api/alerts/events`: list (paging, filters, newest first, total), detail (exact 400/404
texts of §3.6), acknowledgement (who, when, idempotent), retention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.alerts.models import AlertEvent
from core.alerts.services import prune_events
from core.alerts.tasks import prune_alert_events
from core.audit.models import AuditLog
from core.hosts.models import DockerHost
from tests.core.alerts.conftest import at

pytestmark = pytest.mark.django_db


def event(org, seconds=0, **fields) -> AlertEvent:
    values = {"rule_name": "High CPU", "metric": "cpu_percent", "value": 95.0,
              "threshold": 90.0, "message": "High CPU: cpu_percent is 95 (threshold: > 90)",
              "severity": "warn", "created_at": at(seconds)}  # fmt: skip
    return AlertEvent.objects.create(org=org, **(values | fields))


@pytest.fixture
def viewer(auth_client):
    return auth_client("viewer")


def test_list_newest_first_with_total(org, other_org, viewer, make_rule, host):
    rule = make_rule()
    first = event(org, 0, rule=rule, host=host, host_name=host.name)
    second = event(org, 60)
    event(other_org, 120)
    body = viewer.get("/api/alerts/events").json()
    assert [row["id"] for row in body["events"]] == [second.pk, first.pk]
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)
    assert body["events"][1] == {
        "id": first.pk, "rule_id": rule.pk, "rule_name": "High CPU", "metric": "cpu_percent",
        "value": 95.0, "threshold": 90.0,
        "message": "High CPU: cpu_percent is 95 (threshold: > 90)",
        "created_at": "2026-01-02T12:00:00Z", "severity": "warn", "kind": "fired",
        "host_id": host.pk, "host_name": host.name, "acknowledged": False,
        "acknowledged_at": None, "acknowledged_by": None,
    }  # fmt: skip


def test_paging(org, viewer):
    ids = [event(org, n).pk for n in range(7)]
    body = viewer.get("/api/alerts/events?limit=3&offset=2").json()
    assert [row["id"] for row in body["events"]] == list(reversed(ids))[2:5]
    assert body["total"] == 7
    assert viewer.get("/api/alerts/events?limit=9999").json()["limit"] == 500
    assert viewer.get("/api/alerts/events?limit=-5").json()["limit"] == 1
    bad = viewer.get("/api/alerts/events?limit=abc")
    assert bad.status_code == 400
    assert bad.json() == {"error": "limit must be an integer"}


def test_filters(org, viewer, make_rule, host):
    edge = DockerHost.objects.create(org=org, name="Edge", slug="edge")
    rule = make_rule()
    critical = event(org, 0, severity="critical", rule=rule, host=host)
    info = event(org, 1, severity="info", host=edge)
    acked = event(org, 2, acknowledged_at=at(3), acknowledged_by="a@x")

    def ids(query):
        response = viewer.get(f"/api/alerts/events?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["events"]]

    assert ids("severity=critical") == [critical.pk]
    assert ids(f"rule={rule.pk}") == [critical.pk]
    assert ids("host=edge") == [info.pk]
    assert ids(f"host={host.slug}&severity=critical") == [critical.pk]
    assert ids("acknowledged=true") == [acked.pk]
    assert ids("acknowledged=false") == [info.pk, critical.pk]
    assert viewer.get("/api/alerts/events?severity=critical").json()["total"] == 1


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [("severity=loud", 400, "Invalid severity: loud"), ("rule=x", 400, "Invalid rule ID"),
     ("acknowledged=yes", 400, "acknowledged must be true or false"),
     ("host=nowhere", 404, "Host not found")],
)  # fmt: skip
def test_bad_filters(viewer, query, status, error):
    response = viewer.get(f"/api/alerts/events?{query}")
    assert response.status_code == status
    assert response.json() == {"error": error}


def test_detail(org, other_org, viewer, api_client):  # §13.11
    mine = event(org)
    theirs = event(other_org)
    body = viewer.get(f"/api/alerts/events/{mine.pk}").json()
    assert body["event"]["id"] == mine.pk
    assert body["event"]["severity"] == "warn"
    for raw, status, error in [(theirs.pk, 404, "not found"), (999999, 404, "not found"),
                               ("abc", 400, "invalid id"), ("0", 400, "invalid id"),
                               ("-3", 400, "invalid id")]:  # fmt: skip
        response = viewer.get(f"/api/alerts/events/{raw}")
        assert response.status_code == status
        assert response.json() == {"error": error}
    assert api_client.get(f"/api/alerts/events/{mine.pk}").status_code == 401


def test_acknowledge_records_who_and_when_once(org, auth_client, member):
    row = event(org)
    operator = auth_client("operator")
    before = timezone.now()
    response = operator.post(f"/api/alerts/events/{row.pk}/ack")
    assert response.status_code == 200
    acked = response.json()["event"]
    assert acked["acknowledged"] is True
    assert acked["acknowledged_by"].startswith("operator-")
    row.refresh_from_db()
    assert row.acknowledged_at >= before
    assert AuditLog.objects.filter(action="alert.event.ack", target=str(row.pk)).count() == 1
    again = auth_client("admin").post(f"/api/alerts/events/{row.pk}/ack").json()["event"]
    assert again["acknowledged_by"] == acked["acknowledged_by"]
    assert again["acknowledged_at"] == acked["acknowledged_at"]
    assert AuditLog.objects.filter(action="alert.event.ack").count() == 1


def test_acknowledge_errors(org, other_org, auth_client):
    theirs = event(other_org)
    operator = auth_client("operator")
    for raw, status, error in [(theirs.pk, 404, "not found"), ("x", 400, "invalid id")]:
        response = operator.post(f"/api/alerts/events/{raw}/ack")
        assert response.status_code == status
        assert response.json() == {"error": error}
    assert auth_client("viewer").post(f"/api/alerts/events/{event(org).pk}/ack").status_code == 403
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


def test_retention(org, settings):
    settings.ALERT_EVENT_RETENTION_DAYS = 30
    now = timezone.now()
    old = event(org, created_at=now - timedelta(days=31))
    kept = event(org, created_at=now - timedelta(days=29))
    assert prune_events(now) == 1
    assert list(AlertEvent.objects.values_list("id", flat=True)) == [kept.pk]
    assert not AlertEvent.objects.filter(pk=old.pk).exists()
    assert prune_alert_events() == 0


def test_retention_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["alert-events-prune"]
    assert entry == {"task": "core.alerts.prune_events", "schedule": 24 * 3600.0}
    assert settings.ALERT_EVENT_RETENTION_DAYS == 90
