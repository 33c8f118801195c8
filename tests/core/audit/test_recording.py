"""Audit rows: the semantic row views write with `record()` and the generic mutation row the
middleware writes for every POST/PUT/PATCH/DELETE (spec §10.5)."""

import json

import pytest
from django.test import Client

from core.audit.models import AuditLog
from core.audit.services import record_event

pytestmark = pytest.mark.django_db
SECRET = "s3cr3t-value-that-must-not-leak"


def _only_row():
    rows = list(AuditLog.objects.all())
    assert len(rows) == 1, [(row.action, row.target) for row in rows]
    return rows[0]


def test_generic_row_for_an_anonymous_mutation(client):
    response = client.post(
        "/test/echo",
        data={"hello": "world"},
        content_type="application/json",
        HTTP_USER_AGENT="pytest-agent/1.0",
        HTTP_X_REQUEST_ID="req-123",
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 200
    row = _only_row()
    assert row.user_id == "anonymous"
    assert row.org_id is None
    assert row.action == "POST /test/echo"
    assert row.target == "/test/echo"
    assert (row.ip, row.request_id) == ("192.0.2.10", "req-123")
    assert json.loads(row.detail) == {
        "method": "POST",
        "path": "/test/echo",
        "status": 200,
        "ip": "192.0.2.10",
        "ua": "pytest-agent/1.0",
        "requestId": "req-123",
    }


def test_generic_row_never_holds_body_token_or_query(client):
    client.post(
        f"/test/echo?token={SECRET}",
        data={"password": SECRET, "apiKey": SECRET},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
        HTTP_COOKIE=f"sessionid={SECRET}",
    )
    row = _only_row()
    for value in [row.user_id, row.action, row.target, row.detail, row.ip, row.request_id]:
        assert SECRET not in value
        assert "Bearer" not in value
    assert row.target == "/test/echo"


def test_user_agent_is_cut_at_256_characters(client):
    client.post("/test/echo", data={}, content_type="application/json", HTTP_USER_AGENT="u" * 999)
    assert json.loads(_only_row().detail)["ua"] == "u" * 256


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_mutating_method_is_recorded_even_when_refused(client, method):
    response = getattr(client, method)("/test/echo")
    assert response.status_code == 405
    row = _only_row()
    assert row.action == f"{method.upper()} /test/echo"
    assert json.loads(row.detail)["status"] == 405


def test_unknown_route_mutations_are_recorded(client):
    client.post("/no/such/route")
    assert _only_row().action == "POST /no/such/route"


@pytest.mark.parametrize("path", ["/health", "/", "/api/stream"])
def test_excluded_paths(client, path):
    client.post(path)
    client.delete(path)
    assert AuditLog.objects.count() == 0


def test_reads_and_preflights_are_not_recorded(client):
    client.get("/health")
    client.get("/test/echo")
    client.options("/test/echo")
    client.head("/health")
    assert AuditLog.objects.count() == 0


@pytest.mark.urls("tests.core.audit.urls")
def test_semantic_and_generic_rows_of_an_authenticated_request(acme, client_as):
    client = client_as(acme, "operator", user_id=7)
    response = client.post(
        "/test/widgets", {}, format="json", HTTP_X_REQUEST_ID="req-w", REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 201
    semantic, generic = AuditLog.objects.order_by("id")
    assert (semantic.org_id, semantic.user_id) == (acme.id, "user7@example.test")
    assert (semantic.action, semantic.target) == ("widget.create", "widget-1")
    assert json.loads(semantic.detail) == {"size": 3}
    assert (semantic.ip, semantic.request_id) == ("198.51.100.4", "req-w")
    assert (generic.org_id, generic.user_id) == (acme.id, "user7@example.test")
    assert generic.action == "POST /test/widgets"
    assert json.loads(generic.detail)["status"] == 201


@pytest.mark.urls("tests.core.audit.urls")
def test_forbidden_attempt_is_recorded_with_who_tried(acme, client_as):
    response = client_as(acme, "viewer", user_id=3).post("/test/widgets", {}, format="json")
    assert response.status_code == 403
    row = _only_row()
    assert (row.user_id, row.org_id, row.action) == (
        "user3@example.test",
        acme.id,
        "POST /test/widgets",
    )


def test_client_ip_honours_the_trusted_proxy_hops(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    client.post("/test/echo", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1", REMOTE_ADDR="10.0.0.2")
    assert _only_row().ip == "10.0.0.1"


def test_record_event_without_a_request(acme):
    row = record_event(action="schedule.restart", user_id="scheduler", org=acme, target="web")
    assert (row.user_id, row.org_id, row.detail, row.ip) == ("scheduler", acme.id, "", "")


def test_record_event_cuts_long_values(acme):
    row = record_event(action="a" * 900, user_id="u" * 900, org=acme.id, target="t" * 900)
    row.refresh_from_db()
    assert (len(row.action), len(row.user_id), len(row.target)) == (512, 256, 512)


def test_failing_audit_write_does_not_fail_the_request(client, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr("core.audit.middleware.record_event", broken)
    response = Client().post("/test/echo", data={}, content_type="application/json")
    assert response.status_code == 200
    assert "Could not write the audit row" in caplog.text


def test_generic_row_under_the_async_request_path():
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    response = async_to_sync(AsyncClient().post)(
        "/test/echo", data={"a": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert _only_row().action == "POST /test/echo"
