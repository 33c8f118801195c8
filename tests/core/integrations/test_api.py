"""`/api/integrations` routes (spec §3.9 with the §14.37-41 fixes): shapes, validation texts,
limits, redaction round trips, tenancy, audit rows, data queries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from core.audit.models import AuditLog
from core.integrations.crypto import decrypt_config, encrypt_config
from core.integrations.models import Integration, IntegrationData
from core.integrations.redaction import MASK
from tests.core.integrations.test_adapters import prometheus_routes

pytestmark = pytest.mark.django_db

PROM = {"adapter": "prometheus", "name": "Prom", "config": {"url": "http://prometheus:9090"}}


def create(client, body=None, **changes):
    response = client.post("/api/integrations", {**(body or PROM), **changes}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def stored(integration_id) -> Integration:
    return Integration.objects.get(pk=integration_id)


# --- adapters, create, validation -----------------------------------------------------------


def test_adapters_list(viewer):
    response = viewer.get("/api/integrations/adapters")
    assert response.status_code == 200
    adapters = response.json()["adapters"]
    assert [a["name"] for a in adapters] == [
        "prometheus", "grafana", "http-json", "datadog", "cloudwatch", "pagerduty"
    ]  # fmt: skip
    for entry in adapters:
        assert set(entry) == {"name", "displayName", "version", "configSchema"}
        assert entry["version"] == "1.0.0"
        assert entry["configSchema"]["type"] == "object"


def test_create_defaults_and_shape(admin, pro_org):
    response = admin.post("/api/integrations", PROM, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"], "adapter": "prometheus", "name": "Prom", "poll_interval": 30,
        "enabled": True,
    }  # fmt: skip
    integration = stored(body["id"])
    assert integration.org_id == pro_org.id
    assert integration.next_poll_at is not None  # first poll at the next tick
    assert str(integration.pk).count("-") == 4


def test_create_honours_enabled_false_and_interval(admin):
    integration_id = create(admin, enabled=False, poll_interval=120)
    integration = stored(integration_id)
    assert integration.enabled is False
    assert integration.poll_interval == 120
    assert integration.next_poll_at is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "x", "config": {}}, "adapter", "This field is required."),
        ({**PROM, "extra": 1}, "extra", "must NOT have additional properties"),
        ({**PROM, "poll_interval": 5}, "poll_interval", "must be >= 10"),
        ({**PROM, "poll_interval": 86401}, "poll_interval", "must be <= 86400"),
        ({**PROM, "poll_interval": "30"}, "poll_interval", "must be integer"),
        ({**PROM, "poll_interval": 30.5}, "poll_interval", "must be integer"),
        ({**PROM, "enabled": "true"}, "enabled", "must be boolean"),
        ({**PROM, "config": []}, "config", "must be object"),
        ({**PROM, "name": ""}, "name", "This field may not be blank."),
        ({**PROM, "name": "n" * 129}, "name", "Ensure this field has no more than 128 characters."),
        ({**PROM, "adapter": "a" * 65}, "adapter",
         "Ensure this field has no more than 64 characters."),
        ({**PROM, "adapter": 3}, "adapter", "must be string"),
    ],
)  # fmt: skip
def test_create_validation(admin, body, field, message):
    response = admin.post("/api/integrations", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "Validation failed", "field": field, "message": message}


def test_create_rejects_non_objects_unknown_adapters_and_bad_configs(admin):
    response = admin.post("/api/integrations", [1], format="json")
    assert response.json() == {"error": "Request body must be a JSON object"}
    response = admin.post("/api/integrations", {**PROM, "adapter": "nope"}, format="json")
    assert (response.status_code, response.json()) == (400, {"error": "Unknown adapter: nope"})
    response = admin.post("/api/integrations", {**PROM, "config": {}}, format="json")
    assert (response.status_code, response.json()) == (400, {"error": "config.url is required"})
    response = admin.post(
        "/api/integrations", {**PROM, "config": {"url": "gopher://x"}}, format="json"
    )
    assert response.json() == {"error": "config.url: URL must be http or https"}
    assert Integration.objects.count() == 0


def test_private_literal_refused_at_save_time_without_the_policy(auth_client, strict_org):
    client = auth_client("admin", strict_org)
    body = {**PROM, "config": {"url": "http://127.0.0.1:9090"}}
    response = client.post("/api/integrations", body, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "URL cannot target private/internal addresses"},
    )
    # A name is checked when it is called (it may resolve to a permitted address later).
    assert client.post("/api/integrations", PROM, format="json").status_code == 201


def test_edition_limit_402(auth_client, ce_org):
    client = auth_client("admin", ce_org)
    create(client)
    create(client)
    response = client.post("/api/integrations", PROM, format="json")
    assert response.status_code == 402
    assert response.json() == {
        "error": "Integration limit reached (2)",
        "current": 2,
        "max": 2,
        "currentEdition": "ce",
        "upgradeUrl": settings.UPGRADE_URL,
    }


def test_roles(viewer, auth_client, pro_org):
    assert viewer.post("/api/integrations", PROM, format="json").status_code == 403
    operator = auth_client("operator", pro_org)
    assert operator.post("/api/integrations", PROM, format="json").json() == {
        "error": "Insufficient permissions"
    }


# --- reads, redaction, tenancy --------------------------------------------------------------


DATADOG = {
    "adapter": "datadog",
    "name": "DD",
    "config": {"api_key": "dd-api-secret", "app_key": "dd-app-secret", "site": "datadoghq.eu"},
}


def test_list_and_detail_are_redacted_for_viewers(admin, viewer):
    first = create(admin)
    second = create(admin, DATADOG)
    rows = viewer.get("/api/integrations").json()["integrations"]
    assert [row["id"] for row in rows] == [second, first]  # newest first
    row = rows[0]
    assert row["config"] == {"api_key": MASK, "app_key": MASK, "site": "datadoghq.eu"}
    assert set(row) == {
        "id", "adapter", "name", "config", "config_error", "poll_interval", "enabled",
        "last_pull", "last_status", "last_error", "next_poll_at", "created_at", "updated_at",
    }  # fmt: skip
    assert row["enabled"] is True
    assert row["last_status"] is None
    assert row["created_at"].endswith("Z")
    detail = viewer.get(f"/api/integrations/{second}")
    assert detail.status_code == 200
    assert "dd-api-secret" not in detail.content.decode()
    assert detail.json()["config"]["api_key"] == MASK


def test_other_tenants_and_bad_ids_are_404(admin, auth_client, pro_org):
    from tests.core.integrations.conftest import make_org

    integration_id = create(admin)
    stranger = auth_client("admin", make_org("Stranger"))
    for method, path in [
        ("get", f"/api/integrations/{integration_id}"),
        ("put", f"/api/integrations/{integration_id}"),
        ("patch", f"/api/integrations/{integration_id}"),
        ("delete", f"/api/integrations/{integration_id}"),
        ("post", f"/api/integrations/{integration_id}/test"),
        ("post", f"/api/integrations/{integration_id}/poll"),
        ("get", f"/api/integrations/{integration_id}/data"),
        ("get", "/api/integrations/not-a-uuid"),
    ]:
        response = getattr(stranger, method)(path, PROM, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json() == {"error": "Integration not found"}
    assert stranger.get("/api/integrations").json() == {"integrations": []}
    assert Integration.objects.filter(pk=integration_id).exists()


# --- updates ------------------------------------------------------------------------------


def test_put_round_trip_of_a_redacted_config_keeps_the_secrets(admin):
    integration_id = create(admin, DATADOG)
    shown = admin.get(f"/api/integrations/{integration_id}").json()
    body = {
        "adapter": "datadog",
        "name": "Renamed",
        "config": {**shown["config"], "site": "datadoghq.com"},
        "poll_interval": 60,
        "enabled": False,
    }
    response = admin.put(f"/api/integrations/{integration_id}", body, format="json")
    assert response.status_code == 200
    assert response.json()["ok"] is True
    integration = stored(integration_id)
    config = decrypt_config(integration.encrypted_config)
    assert config == {
        "api_key": "dd-api-secret",
        "app_key": "dd-app-secret",
        "site": "datadoghq.com",
    }
    assert (integration.name, integration.poll_interval, integration.enabled) == (
        "Renamed",
        60,
        False,
    )
    # A new secret replaces the stored one.
    body["config"]["api_key"] = "rotated"
    admin.put(f"/api/integrations/{integration_id}", body, format="json")
    assert decrypt_config(stored(integration_id).encrypted_config)["api_key"] == "rotated"


def test_put_needs_the_full_body_and_keeps_the_adapter(admin):
    integration_id = create(admin)
    response = admin.put(f"/api/integrations/{integration_id}", {"name": "x"}, format="json")
    assert response.json()["field"] == "adapter"
    response = admin.put(
        f"/api/integrations/{integration_id}", {**PROM, "adapter": "grafana"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("adapter cannot be changed")
    response = admin.put(
        f"/api/integrations/{integration_id}", {**PROM, "config": {"url": 1}}, format="json"
    )
    assert response.json() == {"error": "config.url must be string"}
    response = admin.patch(
        f"/api/integrations/{integration_id}",
        {"config": {"url": "http://p:9090", "bearerToken": MASK}},
        format="json",
    )
    assert response.status_code == 400
    assert "no stored value exists" in response.json()["error"]


def test_patch_enabled_and_interval_take_effect_at_the_next_scheduling(admin):
    integration_id = create(admin)
    response = admin.patch(f"/api/integrations/{integration_id}", {"enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json()["integration"]["enabled"] is False
    assert stored(integration_id).next_poll_at is None
    admin.patch(f"/api/integrations/{integration_id}", {"enabled": True}, format="json")
    integration = stored(integration_id)
    assert integration.enabled is True
    assert integration.next_poll_at <= datetime.now(UTC)  # never polled: due now
    # Polled a minute ago with a 1-hour interval; shortened to 10 s -> due now.
    Integration.objects.filter(pk=integration_id).update(
        poll_interval=3600,
        last_pull=datetime.now(UTC) - timedelta(seconds=60),
        next_poll_at=datetime.now(UTC) + timedelta(seconds=3540),
    )
    admin.patch(f"/api/integrations/{integration_id}", {"poll_interval": 10}, format="json")
    assert stored(integration_id).next_poll_at <= datetime.now(UTC)
    admin.patch(f"/api/integrations/{integration_id}", {"poll_interval": 7200}, format="json")
    delay = stored(integration_id).next_poll_at - datetime.now(UTC)
    assert timedelta(seconds=7000) < delay <= timedelta(seconds=7140)


def test_delete_cascades_data(admin):
    integration_id = create(admin)
    IntegrationData.objects.create(
        integration_id=integration_id, type="metric", data={}, timestamp=datetime.now(UTC)
    )
    response = admin.delete(f"/api/integrations/{integration_id}")
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert IntegrationData.objects.count() == 0
    assert admin.delete(f"/api/integrations/{integration_id}").status_code == 404


# --- test, poll, data ---------------------------------------------------------------------


def test_test_and_poll_routes_report_the_real_outcome(admin, viewer, vendor):
    server = vendor(prometheus_routes())
    integration_id = create(admin, config={"url": server.url, "bearerToken": "tok"})
    response = admin.post(f"/api/integrations/{integration_id}/test")
    assert response.status_code == 200
    result = response.json()
    assert (result["ok"], result["message"]) == (True, "Prometheus is healthy")
    assert isinstance(result["latencyMs"], int)

    response = admin.post(f"/api/integrations/{integration_id}/poll")
    assert response.json() == {"ok": True, "status": "ok", "points": 4}
    integration = stored(integration_id)
    assert integration.last_status == "ok"
    assert integration.last_pull is not None
    assert integration.lease_id is None
    assert IntegrationData.objects.filter(integration_id=integration_id).count() == 4

    data = viewer.get(f"/api/integrations/{integration_id}/data").json()
    assert data["total"] == 4
    row = data["data"][0]
    assert set(row) == {"id", "integration_id", "type", "data", "timestamp", "created_at"}
    assert row["integration_id"] == integration_id
    assert row["data"]["source"] == "prometheus"
    assert row["data"]["sourceId"] == integration_id

    server.routes.clear()  # the vendor now answers 404 everywhere
    response = admin.post(f"/api/integrations/{integration_id}/poll")
    assert response.json() == {
        "ok": False, "status": "error", "error": "HTTP 404 Not Found", "points": 0
    }  # fmt: skip
    detail = viewer.get(f"/api/integrations/{integration_id}").json()
    assert (detail["last_status"], detail["last_error"]) == ("error", "HTTP 404 Not Found")

    actions = set(
        AuditLog.objects.filter(action__startswith="integration.").values_list("action", flat=True)
    )
    assert actions == {"integration.create", "integration.test", "integration.poll"}


def test_test_route_refuses_private_targets_without_the_policy(auth_client, strict_org, vendor):
    server = vendor(prometheus_routes())
    client = auth_client("admin", strict_org)
    integration = Integration.objects.create(
        org=strict_org, adapter="prometheus", name="p",
        encrypted_config=encrypt_config({"url": server.url}),
    )  # fmt: skip
    response = client.post(f"/api/integrations/{integration.pk}/test")
    assert response.json()["ok"] is False
    assert response.json()["message"] == "URL cannot target private/internal addresses"
    assert server.requests == []


def test_audit_rows_for_update_and_delete(admin):
    integration_id = create(admin)
    admin.patch(f"/api/integrations/{integration_id}", {"name": "n2"}, format="json")
    admin.delete(f"/api/integrations/{integration_id}")
    rows = AuditLog.objects.filter(action__in=["integration.update", "integration.delete"])
    assert sorted(rows.values_list("action", "target")) == [
        ("integration.delete", "n2"),
        ("integration.update", "n2"),
    ]


def _points(integration_id, count, kind="metric", start=None):
    start = start or datetime(2024, 1, 1, tzinfo=UTC)
    IntegrationData.objects.bulk_create(
        IntegrationData(
            integration_id=integration_id,
            type=kind,
            data={"n": n},
            timestamp=start + timedelta(minutes=n),
        )
        for n in range(count)
    )


def test_data_filters_and_limits(admin, viewer):
    integration_id = create(admin)
    _points(integration_id, 600)
    _points(integration_id, 3, kind="alert")
    url = f"/api/integrations/{integration_id}/data"
    body = viewer.get(url).json()
    assert len(body["data"]) == 100
    stamps = [row["timestamp"] for row in body["data"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert len(viewer.get(url, {"limit": 10000}).json()["data"]) == 500
    alerts = viewer.get(url, {"type": "alert"}).json()["data"]
    assert {row["type"] for row in alerts} == {"alert"}
    assert len(alerts) == 3
    window = viewer.get(
        url, {"type": "metric", "since": "2024-01-01T01:00:00Z", "until": "2024-01-01T01:09:00"}
    ).json()
    assert [row["data"]["n"] for row in window["data"]] == list(range(69, 59, -1))
    offset_page = viewer.get(url, {"type": "metric", "limit": 2, "offset": 1}).json()
    assert [row["data"]["n"] for row in offset_page["data"]] == [598, 597]
    for params, message in [
        ({"since": "yesterday"}, "since must be an ISO-8601 date-time"),
        ({"until": "2024-13-01"}, "until must be an ISO-8601 date-time"),
        ({"type": "log"}, "type must be one of: metric, event, alert"),
        ({"limit": "ten"}, "limit must be an integer"),
    ]:
        response = viewer.get(url, params)
        assert (response.status_code, response.json()) == (400, {"error": message})
