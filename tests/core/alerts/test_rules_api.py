"""`/api/alerts/rules`: create (checks in the original's order, exact texts), list, detail,
PATCH, toggle, delete; audit rows; cross-tenant 404s."""

import pytest

from core.accounts.models import Edition
from core.alerts.models import AlertRule, AlertState
from core.audit.models import AuditLog
from core.hosts.models import DockerHost
from tests.core.alerts.conftest import at

pytestmark = pytest.mark.django_db

VALID = {"name": "High CPU", "metric": "cpu_percent", "operator": ">", "threshold": 90}


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


@pytest.fixture
def unlimited(org):
    org.edition = Edition.ENTERPRISE
    org.save()
    return org


def rules_of(org, count: int):
    AlertRule.objects.bulk_create(
        AlertRule(org=org, name=f"r{n}", metric="cpu_percent", operator=">", threshold=90)
        for n in range(count)
    )


def post(client, body):
    return client.post("/api/alerts/rules", body, format="json")


# --- create -----------------------------------------------------------------------------------


def test_create_answers_camel_case_and_audits(org, admin):
    response = post(admin, VALID | {"durationSeconds": 30, "severity": "critical"})
    assert response.status_code == 201
    rule = AlertRule.objects.get()
    assert response.json() == {
        "id": rule.pk, "name": "High CPU", "metric": "cpu_percent", "operator": ">",
        "threshold": 90.0, "durationSeconds": 30, "severity": "critical",
        "clearThreshold": None, "clearDurationSeconds": 0, "enabled": True,
        "hostId": None, "host": None,
    }  # fmt: skip
    assert rule.org == org
    assert rule.duration_seconds == 30
    audit = AuditLog.objects.get(action="alert.rule.create")
    assert audit.target == "High CPU"
    assert audit.org_id == org.pk


def test_severity_defaults_to_warn(admin):  # §13.12
    assert post(admin, VALID).json()["severity"] == "warn"
    assert AlertRule.objects.get().severity == "warn"
    assert post(admin, VALID | {"severity": "critical"}).json()["severity"] == "critical"


def test_snake_case_fields_and_clear_settings_are_accepted(admin, host):
    body = VALID | {"duration_seconds": 60, "clear_threshold": 70, "clear_duration_seconds": 120,
                    "host": host.slug, "enabled": False}  # fmt: skip
    answer = post(admin, body).json()
    assert (answer["durationSeconds"], answer["clearThreshold"]) == (60, 70.0)
    assert (answer["clearDurationSeconds"], answer["enabled"]) == (120, False)
    assert (answer["hostId"], answer["host"]) == (host.pk, host.slug)
    camel = post(
        admin, VALID | {"clearThreshold": 80, "clearDurationSeconds": 5, "hostId": host.pk}
    )
    assert camel.json()["clearThreshold"] == 80.0
    assert camel.json()["hostId"] == host.pk


def test_numeric_strings_are_read_as_numbers(admin):
    answer = post(admin, VALID | {"threshold": "85.5", "durationSeconds": "30"}).json()
    assert (answer["threshold"], answer["durationSeconds"]) == (85.5, 30)


def test_a_zero_threshold_is_present(admin):
    body = {"name": "Stopped", "metric": "container_stopped", "operator": ">", "threshold": 0}
    assert post(admin, body).status_code == 201


def test_the_edition_limit_comes_first(org, admin):
    rules_of(org, 5)  # CE allows 5
    response = post(admin, {})
    assert response.status_code == 402
    assert response.json() == {
        "error": "Alert rule limit reached (5)", "current": 5, "max": 5,
        "upgradeUrl": "https://lagoontechsystems.com/upgrade",
    }  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [{}, {"metric": "cpu_percent", "operator": ">", "threshold": 1},
     VALID | {"name": ""}, VALID | {"operator": None}, {k: v for k, v in VALID.items()
                                                      if k != "threshold"},
     VALID | {"threshold": None}],
)  # fmt: skip
def test_required_fields(admin, body):
    response = post(admin, body)
    assert response.status_code == 400
    assert response.json() == {"error": "name, metric, operator, threshold required"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (VALID | {"metric": "gpu"}, "Invalid metric: gpu"),
        (VALID | {"metric": "gpu", "severity": "bad"}, "Invalid metric: gpu"),
        (VALID | {"severity": "bad"}, "Invalid severity: bad"),
        (VALID | {"severity": "bad", "operator": "!="}, "Invalid severity: bad"),
        (VALID | {"operator": "!="}, "Invalid operator: !="),
        (VALID | {"threshold": "high"}, "threshold must be a number"),
        (VALID | {"threshold": True}, "threshold must be a number"),
        (VALID | {"threshold": [1]}, "threshold must be a number"),
        (VALID | {"durationSeconds": -1}, "durationSeconds must be an integer from 0 to 2592000"),
        (VALID | {"durationSeconds": 1.5}, "durationSeconds must be an integer from 0 to 2592000"),
        (VALID | {"durationSeconds": "x"}, "durationSeconds must be an integer from 0 to 2592000"),
        (VALID | {"clearDurationSeconds": "soon"},
         "clearDurationSeconds must be an integer from 0 to 2592000"),
        (VALID | {"clearThreshold": "x"}, "clearThreshold must be a number"),
        (VALID | {"clearThreshold": 95}, "clearThreshold must not be above the threshold for >"),
        (VALID | {"operator": "<", "clearThreshold": 5},
         "clearThreshold must not be below the threshold for <"),
        (VALID | {"name": 5}, "name must be a non-empty string"),
        (VALID | {"name": "x" * 129}, "name must be at most 128 characters"),
        (VALID | {"enabled": "yes"}, "enabled must be a boolean"),
        (VALID | {"host": "nowhere"}, "Unknown host: nowhere"),
    ],
)  # fmt: skip
def test_validation_errors(admin, body, error):
    response = post(admin, body)
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert not AlertRule.objects.exists()


def test_hard_cap_after_metric_and_severity_before_operator(unlimited, admin):
    rules_of(unlimited, 100)
    assert post(admin, {}).json() == {"error": "name, metric, operator, threshold required"}
    assert post(admin, VALID | {"metric": "x"}).json() == {"error": "Invalid metric: x"}
    assert post(admin, VALID | {"severity": "x"}).json() == {"error": "Invalid severity: x"}
    for body in (VALID, VALID | {"operator": "!="}):
        response = post(admin, body)
        assert response.status_code == 400
        assert response.json() == {"error": "Maximum 100 alert rules allowed"}


def test_another_organisations_host_is_unknown(admin, other_org):
    theirs = DockerHost.objects.get(org=other_org)
    response = post(admin, VALID | {"hostId": theirs.pk})
    assert response.json() == {"error": f"Unknown host: {theirs.pk}"}


def test_body_must_be_an_object(admin):
    response = admin.post("/api/alerts/rules", [1], format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


# --- list and detail --------------------------------------------------------------------------


def test_list_is_newest_first_snake_case_and_scoped(org, other_org, admin, host):
    old = AlertRule.objects.create(org=org, name="old", metric="load_1", operator=">=",
                                   threshold=4, created_at=at(0))  # fmt: skip
    new = AlertRule.objects.create(org=org, name="new", metric="disk_percent", operator=">",
                                   threshold=90, host=host, created_at=at(60),
                                   enabled=False)  # fmt: skip
    AlertRule.objects.create(org=other_org, name="theirs", metric="load_1", operator=">",
                             threshold=1)  # fmt: skip
    rows = admin.get("/api/alerts/rules").json()["rules"]
    assert [row["id"] for row in rows] == [new.pk, old.pk]
    assert rows[0] == {
        "id": new.pk, "name": "new", "metric": "disk_percent", "operator": ">",
        "threshold": 90.0, "duration_seconds": 0, "enabled": False,
        "created_at": "2026-01-02T12:01:00Z", "updated_at": rows[0]["updated_at"],
        "severity": "warn", "clear_threshold": None, "clear_duration_seconds": 0,
        "host_id": host.pk, "host": host.slug,
    }  # fmt: skip
    assert rows[1]["enabled"] is True
    assert rows[1]["host"] is None


def test_viewers_read_rules_and_detail_shows_active_hosts(org, auth_client, make_rule, host):
    rule = make_rule()
    AlertState.objects.create(rule=rule, host=host, triggered_at=at(0), notified_at=at(0),
                              last_value=97)  # fmt: skip
    viewer = auth_client("viewer")
    assert viewer.get("/api/alerts/rules").status_code == 200
    body = viewer.get(f"/api/alerts/rules/{rule.pk}").json()
    assert body["rule"]["name"] == "High CPU"
    assert body["rule"]["active"] == [{
        "host_id": host.pk, "host_name": host.name, "triggered_at": "2026-01-02T12:00:00Z",
        "notified_at": "2026-01-02T12:00:00Z", "last_value": 97.0,
    }]  # fmt: skip
    assert viewer.post("/api/alerts/rules", VALID, format="json").status_code == 403


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5", "99999999999999999999"])
def test_invalid_rule_ids(admin, raw):
    for method, path in [("get", ""), ("patch", ""), ("delete", ""), ("put", "/toggle")]:
        response = getattr(admin, method)(f"/api/alerts/rules/{raw}{path}", {}, format="json")
        assert response.status_code == 400, method
        assert response.json() == {"error": "Invalid rule ID"}


def test_another_organisations_rule_is_not_found(other_org, admin):
    theirs = AlertRule.objects.create(org=other_org, name="theirs", metric="load_1",
                                      operator=">", threshold=1)  # fmt: skip
    for method, path in [("get", ""), ("patch", ""), ("delete", ""), ("put", "/toggle")]:
        response = getattr(admin, method)(f"/api/alerts/rules/{theirs.pk}{path}", {},
                                          format="json")  # fmt: skip
        assert response.status_code == 404, method
        assert response.json() == {"error": "Rule not found"}
    theirs.refresh_from_db()
    assert theirs.enabled


# --- update, toggle, delete -------------------------------------------------------------------


def test_patch_changes_the_fields_sent(admin, make_rule, host):
    rule = make_rule()
    body = {"threshold": 80, "clear_threshold": 60, "clearDurationSeconds": 300,
            "severity": "critical", "host": host.slug, "name": "Hot"}  # fmt: skip
    response = admin.patch(f"/api/alerts/rules/{rule.pk}", body, format="json")
    assert response.status_code == 200
    row = response.json()["rule"]
    assert (row["threshold"], row["clear_threshold"], row["clear_duration_seconds"]) == (
        80.0, 60.0, 300)  # fmt: skip
    assert (row["severity"], row["host"], row["name"], row["metric"]) == (
        "critical", host.slug, "Hot", "cpu_percent")  # fmt: skip
    assert AuditLog.objects.filter(action="alert.rule.update", target="Hot").exists()
    cleared = admin.patch(f"/api/alerts/rules/{rule.pk}", {"host": None, "clearThreshold": None},
                          format="json").json()["rule"]  # fmt: skip
    assert cleared["host"] is None
    assert cleared["clear_threshold"] is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"metric": "gpu"}, "Invalid metric: gpu"),
        ({"operator": "=>"}, "Invalid operator: =>"),
        ({"severity": "loud"}, "Invalid severity: loud"),
        ({"threshold": "x"}, "threshold must be a number"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"threshhold": 3}, "Unknown field: threshhold"),
        ({"clearThreshold": 99}, "clearThreshold must not be above the threshold for >"),
    ],
)
def test_patch_validation(admin, make_rule, body, error):
    rule = make_rule()
    response = admin.patch(f"/api/alerts/rules/{rule.pk}", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_toggle(admin, make_rule, host):
    rule = make_rule()
    AlertState.objects.create(rule=rule, host=host, triggered_at=at(0), notified_at=at(0))
    response = admin.put(f"/api/alerts/rules/{rule.pk}/toggle", {"enabled": False}, format="json")
    assert response.json() == {"ok": True, "enabled": False}
    assert not AlertState.objects.exists()  # dropped silently
    assert AuditLog.objects.filter(action="alert.rule.toggle", detail="disabled").exists()
    for body in ({"enabled": "false"}, {}, None):
        response = admin.put(f"/api/alerts/rules/{rule.pk}/toggle", body, format="json")
        assert response.json() == {"ok": True, "enabled": True}  # all but literal false enable


def test_delete(admin, make_rule):
    rule = make_rule()
    response = admin.delete(f"/api/alerts/rules/{rule.pk}")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert not AlertRule.objects.exists()
    assert AuditLog.objects.filter(action="alert.rule.delete", target="High CPU").exists()
    again = admin.delete(f"/api/alerts/rules/{rule.pk}")
    assert again.status_code == 404
    assert again.json() == {"error": "Rule not found"}


def test_delete_is_strictly_rate_limited(admin, make_rule, settings):
    settings.RATE_LIMIT_STRICT_MAX = 2
    rules = [make_rule(name=f"r{n}") for n in range(3)]
    statuses = [admin.delete(f"/api/alerts/rules/{rule.pk}").status_code for rule in rules]
    assert statuses == [200, 200, 429]
    assert admin.get(f"/api/alerts/rules/{rules[2].pk}").status_code == 200
