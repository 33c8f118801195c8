"""Each adapter's test_connection and pull against a local server answering like the vendor.
All requests go through core.outbound under a policy that allows loopback."""

import base64
import json
import time

import pytest

from core.integrations.adapters.base import AdapterError
from core.outbound import BlockedTarget, Policy
from tests.core.integrations.conftest import adapter

# --- Prometheus -------------------------------------------------------------------------------


def prometheus_routes():
    def query(request):
        q = request.query["query"][0]
        if q == "up":
            return 200, {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [
                        {"metric": {"job": "api", "instance": "a:9100"}, "value": [1.0, "1"]},
                        {"metric": {"job": "db", "instance": "b:9100"}, "value": [1.0, "0"]},
                    ],
                },
            }
        if q == "scalar(42)":
            return 200, {"status": "success", "data": {"resultType": "scalar", "result": [1, "42"]}}
        return 400, {"status": "error", "error": "bad query"}

    alerts = {
        "status": "success",
        "data": {
            "alerts": [
                {
                    "labels": {"alertname": "HighLoad", "severity": "critical"},
                    "state": "firing",
                    "generatorURL": "http://prom/graph?g0.expr=load",
                },
                {"labels": {}, "state": "pending"},
            ]
        },
    }
    return {
        "GET /-/healthy": (200, b"Prometheus Server is Healthy."),
        "GET /api/v1/query": query,
        "GET /api/v1/alerts": (200, alerts),
    }


def test_prometheus_pull_default_query_and_alerts(vendor):
    server = vendor(prometheus_routes())
    points = adapter("prometheus", {"url": server.url}).pull()
    metrics = [p for p in points if p["type"] == "metric"]
    alerts = [p for p in points if p["type"] == "alert"]
    assert [m["metric"]["value"] for m in metrics] == [1.0, 0.0]
    assert metrics[0]["metric"] == {
        "name": "target_up",
        "value": 1.0,
        "unit": "boolean",
        "labels": {"job": "api", "instance": "a:9100"},
    }
    assert alerts[0]["alert"] == {
        "title": "HighLoad",
        "severity": "critical",
        "status": "firing",
        "source_url": "http://prom/graph?g0.expr=load",
    }
    assert alerts[1]["alert"]["title"] == "Unknown Alert"
    assert alerts[1]["alert"]["severity"] == "warning"
    assert alerts[1]["alert"]["status"] == "pending"
    assert all(p["timestamp"].endswith("Z") for p in points)


def test_prometheus_custom_queries_skip_a_failing_one_and_basic_auth_wins(vendor):
    server = vendor(prometheus_routes())
    config = {
        "url": server.url + "/",
        "bearerToken": "tok",
        "basicAuth": {"username": "u", "password": "p"},
        "queries": [{"query": "scalar(42)", "name": "answer"}, {"query": "broken("}],
        "pullAlerts": False,
    }
    points = adapter("prometheus", config).pull()
    assert [p["metric"]["name"] for p in points] == ["answer"]
    assert points[0]["metric"]["value"] == 42.0
    expected = "Basic " + base64.b64encode(b"u:p").decode()
    assert {r.headers["authorization"] for r in server.requests} == {expected}
    assert "GET /api/v1/alerts" not in server.paths()


def test_prometheus_bearer_and_test_connection(vendor):
    server = vendor(prometheus_routes())
    result = adapter("prometheus", {"url": server.url, "bearerToken": "tok"}).test_connection()
    assert result["ok"] is True
    assert result["message"] == "Prometheus is healthy"
    assert isinstance(result["latencyMs"], int)
    assert server.requests[0].headers["authorization"] == "Bearer tok"
    down = vendor({"GET /-/healthy": (503, {"error": "x"})})
    result = adapter("prometheus", {"url": down.url}).test_connection()
    assert result == {
        "ok": False,
        "message": "HTTP 503 Service Unavailable",
        "latencyMs": result["latencyMs"],
    }


def test_prometheus_unreachable_poll_fails_with_the_first_error(vendor):
    server = vendor({})  # every path answers 404
    with pytest.raises(AdapterError, match="HTTP 404 Not Found"):
        adapter("prometheus", {"url": server.url}).pull()


def test_private_target_refused_without_the_policy_and_test_connection_never_raises(vendor):
    server = vendor(prometheus_routes())
    strict = Policy(allow_private=False)
    with pytest.raises(BlockedTarget):
        adapter("prometheus", {"url": server.url}, policy=strict).pull()
    result = adapter("prometheus", {"url": server.url}, policy=strict).test_connection()
    assert result["ok"] is False
    assert result["message"] == "URL cannot target private/internal addresses"
    assert server.requests == []  # nothing was sent


# --- Grafana ----------------------------------------------------------------------------------


def grafana_routes(database="ok"):
    rules = [
        {"uid": "r1", "title": "CPU high", "labels": {"severity": "critical"}, "data": [{"x": 1}]},
        {"uid": "r2", "title": "Paused", "isPaused": True, "data": [{"x": 1}]},
        {"uid": "r3", "title": "Empty", "data": []},
    ]
    annotations = [
        {"text": "Deploy", "tags": ["deploy"], "dashboardId": 3, "panelId": 7},
        {"tags": ["critical"], "dashboardId": 1, "panelId": 2},
    ]
    return {
        "GET /api/health": (200, {"database": database, "version": "11.0"}),
        "GET /api/v1/provisioning/alert-rules": (200, rules),
        "GET /api/annotations": (200, annotations),
    }


def test_grafana_pull(vendor):
    server = vendor(grafana_routes())
    before = int(time.time() * 1000)
    points = adapter(
        "grafana", {"url": server.url, "serviceAccountToken": "sa", "apiKey": "old"},
        poll_interval=30,
    ).pull()  # fmt: skip
    alerts = [p["alert"] for p in points if p["type"] == "alert"]
    events = [p["event"] for p in points if p["type"] == "event"]
    assert alerts == [
        {"title": "CPU high", "severity": "critical", "status": "active",
         "source_url": f"{server.url}/alerting/r1/edit"},
        {"title": "Paused", "severity": "warning", "status": "paused",
         "source_url": f"{server.url}/alerting/r2/edit"},
    ]  # fmt: skip
    assert events[0]["title"] == "Deploy"
    assert events[0]["severity"] == "info"
    assert json.loads(events[0]["body"]) == {"dashboardId": 3, "panelId": 7, "tags": ["deploy"]}
    assert events[1] == {
        "title": "Annotation",
        "severity": "critical",
        "body": json.dumps({"dashboardId": 1, "panelId": 2, "tags": ["critical"]}),
    }
    annotation_request = next(r for r in server.requests if r.path == "/api/annotations")
    window = int(annotation_request.query["to"][0]) - int(annotation_request.query["from"][0])
    assert window == 60_000  # 2 x poll_interval
    assert int(annotation_request.query["to"][0]) >= before
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer sa"}


def test_grafana_test_connection(vendor):
    ok = vendor(grafana_routes())
    assert adapter("grafana", {"url": ok.url, "apiKey": "k"}).test_connection()["message"] == (
        "Grafana is healthy"
    )
    degraded = vendor(grafana_routes(database="failing"))
    result = adapter("grafana", {"url": degraded.url}).test_connection()
    assert (result["ok"], result["message"]) == (False, "Database: failing")


# --- HTTP / JSON ------------------------------------------------------------------------------


def test_http_json_mappings(vendor):
    document = {
        "stats": {"users": 12, "ratio": "0.5", "status": "green", "healthy": True},
        "items": [{"count": 3}, {"count": 4}],
        "nothing": None,
    }
    server = vendor({"POST /api/stats": (200, document)})
    config = {
        "url": server.url + "/api/stats",
        "method": "POST",
        "headers": {"X-Api-Key": "abc"},
        "bearerToken": "tok",
        "body": {"window": "1h"},
        "mappings": [
            {"path": "stats.users", "name": "users", "unit": "count", "labels": {"env": "prod"}},
            {"path": "stats.ratio"},
            {"path": "stats.status", "name": "status"},
            {"path": "stats.healthy"},
            {"path": "items.1.count", "name": "second"},
            {"path": "items.5.count"},
            {"path": "nothing"},
            {"path": "missing.key"},
        ],
    }
    points = adapter("http-json", config).pull()
    shapes = [(p["type"], p.get("metric") or p.get("event")) for p in points]
    assert shapes == [
        ("metric", {"name": "users", "value": 12.0, "unit": "count", "labels": {"env": "prod"}}),
        ("metric", {"name": "stats.ratio", "value": 0.5, "unit": "", "labels": {}}),
        ("event", {"title": "status", "severity": "info", "body": "green"}),
        ("metric", {"name": "stats.healthy", "value": 1.0, "unit": "", "labels": {}}),
        ("metric", {"name": "second", "value": 4.0, "unit": "", "labels": {}}),
    ]
    sent = server.requests[0]
    assert sent.json() == {"window": "1h"}
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["x-api-key"] == "abc"
    assert sent.headers["authorization"] == "Bearer tok"


def test_http_json_without_mappings_and_failures(vendor):
    server = vendor({"GET /": (200, {"a": "x" * 5000})})
    (point,) = adapter("http-json", {"url": server.url + "/"}).pull()
    assert point["event"]["title"] == "API Response"
    assert len(point["event"]["body"]) == 4096
    failing = vendor({"GET /": (500, {"error": "boom"})})
    with pytest.raises(AdapterError, match="HTTP 500 Internal Server Error"):
        adapter("http-json", {"url": failing.url + "/"}).pull()
    result = adapter("http-json", {"url": failing.url + "/"}).test_connection()
    assert result["message"] == "HTTP 500 Internal Server Error"
    assert adapter("http-json", {"url": server.url + "/"}).test_connection()["message"] == (
        "HTTP 200 OK"
    )


# --- Datadog ----------------------------------------------------------------------------------


def datadog_routes(valid=True):
    monitors = [
        {"id": 1, "name": "CPU", "priority": 1, "overall_state": "Alert"},
        {"id": 2, "name": "Disk", "priority": None, "overall_state": "No Data"},
        {"id": 3, "name": "Mem", "priority": 4, "overall_state": "OK"},
    ]
    events = {"events": [{"title": "Deployed", "alert_type": "success", "text": "v2"}]}

    def query(request):
        assert request.query["query"][0] in ("avg:system.cpu.user{*}", "avg:system.load.1{*}")
        return 200, {
            "status": "ok",
            "series": [
                {"metric": "system.cpu.user", "scope": "host:a", "display_name": "cpu a",
                 "pointlist": [[1, 10.0], [2, 20.5], [3, None]]},
                {"metric": "system.cpu.user", "scope": "host:b", "pointlist": []},
            ],
        }  # fmt: skip

    return {
        "GET /api/v1/validate": (200, {"valid": valid}),
        "GET /api/v1/monitor": (200, monitors),
        "GET /api/v1/events": (200, events),
        "GET /api/v1/query": query,
    }


def test_datadog_pull(vendor):
    server = vendor(datadog_routes())
    config = {"api_key": "k", "app_key": "a", "api_url": server.url + "/api/v1"}
    points = adapter("datadog", config).pull()
    alerts = [p["alert"] for p in points if p["type"] == "alert"]
    assert [(a["title"], a["severity"], a["status"]) for a in alerts] == [
        ("CPU", "critical", "firing"),
        ("Disk", "medium", "unknown"),
        ("Mem", "low", "ok"),
    ]
    assert alerts[0]["source_url"] == "https://app.datadoghq.com/monitors/1"
    (event,) = [p["event"] for p in points if p["type"] == "event"]
    assert event == {"title": "Deployed", "severity": "success", "body": "v2"}
    (metric,) = [p["metric"] for p in points if p["type"] == "metric"]
    assert metric == {
        "name": "system.cpu.user",
        "value": 20.5,
        "unit": "percent",
        "labels": {"scope": "host:a", "display_name": "cpu a"},
    }
    for request in server.requests:
        assert request.headers["dd-api-key"] == "k"
        assert request.headers["dd-application-key"] == "a"
    events_request = next(r for r in server.requests if r.path.endswith("/events"))
    assert int(events_request.query["end"][0]) - int(events_request.query["start"][0]) == 300


def test_datadog_query_is_configurable_and_test_connection(vendor):
    server = vendor(datadog_routes(valid=False))
    config = {
        "api_key": "k",
        "app_key": "a",
        "api_url": server.url + "/api/v1",
        "queries": [{"query": "avg:system.load.1{*}", "name": "load", "unit": ""}],
    }
    points = adapter("datadog", config).pull()
    assert [p["metric"]["name"] for p in points if p["type"] == "metric"] == ["load"]
    result = adapter("datadog", config).test_connection()
    assert (result["ok"], result["message"]) == (False, "Invalid API key")
    good = vendor(datadog_routes(valid=True))
    result = adapter("datadog", {**config, "api_url": good.url + "/api/v1"}).test_connection()
    assert (result["ok"], result["message"]) == (True, "Datadog API key is valid")


# --- CloudWatch -------------------------------------------------------------------------------

ALARMS_XML = b"""<?xml version="1.0"?>
<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <DescribeAlarmsResult><MetricAlarms>
    <member><AlarmName>cpu-high</AlarmName><StateValue>ALARM</StateValue>
      <Dimensions><member><Name>InstanceId</Name><Value>i-1</Value></member></Dimensions>
    </member>
    <member><AlarmName>disk</AlarmName><StateValue>INSUFFICIENT_DATA</StateValue></member>
    <member><AlarmName>ok one</AlarmName><StateValue>OK</StateValue></member>
  </MetricAlarms></DescribeAlarmsResult>
</DescribeAlarmsResponse>"""


def statistics_xml(values: list[tuple[str, str]]) -> bytes:
    members = "".join(
        f"<member><Timestamp>{stamp}</Timestamp><Average>{value}</Average>"
        f"<Unit>Percent</Unit></member>"
        for stamp, value in values
    )
    return (
        '<GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">'
        f"<GetMetricStatisticsResult><Datapoints>{members}</Datapoints>"
        "<Label>x</Label></GetMetricStatisticsResult></GetMetricStatisticsResponse>"
    ).encode()


def cloudwatch_routes():
    def api(request):
        action = request.query["Action"][0]
        if action == "ListMetrics":
            return 200, b"<ListMetricsResponse/>"
        if action == "DescribeAlarms":
            return 200, ALARMS_XML
        if action == "GetMetricStatistics":
            if request.query["MetricName"][0] == "CPUUtilization":
                return 200, statistics_xml(
                    [("2024-01-01T00:05:00Z", "12.5"), ("2024-01-01T00:00:00Z", "3")]
                )
            return 200, statistics_xml([])
        return 400, b"<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>"

    return {"GET /": api}


def test_cloudwatch_pull_signed_with_defaults(vendor):
    server = vendor(cloudwatch_routes())
    config = {
        "access_key_id": "AKIDEXAMPLE",
        "secret_access_key": "secret",
        "region": "eu-west-1",
        "endpoint_url": server.url + "/",
    }
    points = adapter("cloudwatch", config).pull()
    alerts = [p["alert"] for p in points if p["type"] == "alert"]
    assert [(a["title"], a["severity"], a["status"]) for a in alerts] == [
        ("cpu-high", "critical", "firing"),
        ("disk", "info", "unknown"),
        ("ok one", "info", "ok"),
    ]
    (metric,) = [p["metric"] for p in points if p["type"] == "metric"]
    assert metric == {
        "name": "CPUUtilization",
        "value": 12.5,  # the latest datapoint
        "unit": "percent",
        "labels": {"namespace": "AWS/EC2"},
    }
    statistics = [r for r in server.requests if r.query["Action"] == ["GetMetricStatistics"]]
    assert [r.query["MetricName"][0] for r in statistics] == [
        "CPUUtilization", "NetworkIn", "NetworkOut", "DiskReadOps"
    ]  # fmt: skip
    assert all("Dimensions.member.1.Name" not in r.query for r in statistics)
    first = statistics[0]
    assert first.query["Namespace"] == ["AWS/EC2"]
    assert first.query["Period"] == ["300"]
    assert first.query["Statistics.member.1"] == ["Average"]
    auth = first.headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/monitoring/aws4_request, SignedHeaders=host;x-amz-date, Signature=" in auth
    assert first.headers["x-amz-date"].endswith("Z")


def test_cloudwatch_signature_verifies_on_the_server_side(vendor):
    """The server recomputes the signature from what it received: proves the canonical
    request the client signed is the one it sent."""
    from datetime import datetime

    from core.integrations.adapters import sigv4

    server = vendor(cloudwatch_routes())
    config = {
        "access_key_id": "AKID",
        "secret_access_key": "s3cr3t/key+x",
        "endpoint_url": server.url + "/",
        "session_token": "session",
    }
    assert adapter("cloudwatch", config).test_connection()["ok"] is True
    request = server.requests[0]
    params = [(k, v) for k, values in request.query.items() for v in values]
    now = datetime.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    _, expected = sigv4.sign(
        "GET", server.url + "/", params, access_key="AKID", secret_key="s3cr3t/key+x",
        region="us-east-1", service="monitoring", now=now, session_token="session",
        host=request.headers["host"],
    )  # fmt: skip
    assert request.headers["authorization"] == expected["Authorization"]
    assert request.headers["x-amz-security-token"] == "session"
    assert "x-amz-security-token" in request.headers["authorization"]
    assert request.raw_query == sigv4.canonical_query(params)


def test_cloudwatch_metrics_and_dimensions_are_configurable(vendor):
    server = vendor(cloudwatch_routes())
    config = {
        "access_key_id": "AKID",
        "secret_access_key": "s",
        "endpoint_url": server.url + "/",
        "dimensions": {"InstanceId": "i-0abc"},
        "metrics": [
            {"name": "CPUUtilization", "unit": "percent"},
            {"name": "CPUUtilization", "namespace": "AWS/RDS", "statistic": "Average",
             "dimensions": {"DBInstanceIdentifier": "db1"}},
        ],
    }  # fmt: skip
    points = adapter("cloudwatch", config).pull()
    labels = [p["metric"]["labels"] for p in points if p["type"] == "metric"]
    assert labels == [
        {"namespace": "AWS/EC2", "InstanceId": "i-0abc"},
        {"namespace": "AWS/RDS", "DBInstanceIdentifier": "db1"},
    ]
    statistics = [r for r in server.requests if r.query["Action"] == ["GetMetricStatistics"]]
    assert statistics[0].query["Dimensions.member.1.Name"] == ["InstanceId"]
    assert statistics[0].query["Dimensions.member.1.Value"] == ["i-0abc"]
    assert statistics[1].query["Dimensions.member.1.Value"] == ["db1"]


def test_cloudwatch_errors(vendor):
    denied = vendor(
        {"GET /": (403, b"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error>"
                        b"</ErrorResponse>")}
    )  # fmt: skip
    config = {"access_key_id": "AKID", "secret_access_key": "s", "endpoint_url": denied.url}
    result = adapter("cloudwatch", config).test_connection()
    assert result["message"] == "HTTP 403 Forbidden (SignatureDoesNotMatch)"
    with pytest.raises(AdapterError, match="SignatureDoesNotMatch"):
        adapter("cloudwatch", config).pull()
    evil = vendor({"GET /": (200, b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')})
    with pytest.raises(AdapterError, match="DTD"):
        adapter("cloudwatch", {**config, "endpoint_url": evil.url}).pull()


# --- PagerDuty --------------------------------------------------------------------------------


def pagerduty_routes(analytics_data):
    def incidents(request):
        statuses = request.query["statuses[]"]
        assert request.query["limit"] == ["25"]
        if statuses == ["resolved"]:
            assert {"since", "until"} <= set(request.query)
            return 200, {"incidents": [
                {"id": "P9", "title": "DB down", "urgency": "high", "status": "resolved",
                 "service": {"summary": "db"}, "last_status_change_at": "2024-01-01T00:00:00Z"},
            ]}  # fmt: skip
        assert statuses == ["triggered", "acknowledged"]
        return 200, {"incidents": [
            {"title": "API slow", "urgency": "high", "status": "triggered",
             "html_url": "https://pd/incidents/1"},
            {"title": "Queue", "urgency": "low", "status": "acknowledged"},
            {"title": "Odd", "urgency": "whatever", "status": "triggered"},
        ]}  # fmt: skip

    return {
        "GET /abilities": (200, {"abilities": ["sso"]}),
        "GET /incidents": incidents,
        "POST /analytics/metrics/incidents/all": (200, {"data": analytics_data}),
    }


def test_pagerduty_pull_reads_analytics_as_a_list(vendor):
    server = vendor(
        pagerduty_routes(
            [{"mean_seconds_to_resolve": 600, "total_incident_count": 4,
              "mean_seconds_to_first_ack": 30, "total_interruptions": 2}]
        )
    )  # fmt: skip
    points = adapter("pagerduty", {"api_token": "pd", "api_url": server.url}).pull()
    alerts = [p["alert"] for p in points if p["type"] == "alert"]
    assert [(a["title"], a["severity"], a["status"]) for a in alerts] == [
        ("API slow", "critical", "firing"),
        ("Queue", "low", "acknowledged"),
        ("Odd", "medium", "firing"),
    ]
    assert alerts[0]["source_url"] == "https://pd/incidents/1"
    (event,) = [p["event"] for p in points if p["type"] == "event"]
    assert event["title"] == "Resolved: DB down"
    assert json.loads(event["body"]) == {
        "id": "P9", "service": "db", "resolved_at": "2024-01-01T00:00:00Z", "urgency": "high"
    }  # fmt: skip
    metrics = {p["metric"]["name"]: (p["metric"]["value"], p["metric"]["unit"])
               for p in points if p["type"] == "metric"}  # fmt: skip
    assert metrics == {
        "mean_time_to_resolve": (600.0, "seconds"),
        "total_incidents_24h": (4.0, "count"),
        "mean_time_to_acknowledge": (30.0, "seconds"),
        "total_interruptions_24h": (2.0, "count"),
    }
    assert {r.headers["authorization"] for r in server.requests} == {"Token token=pd"}
    analytics = next(r for r in server.requests if r.method == "POST")
    assert set(analytics.json()["filters"]) == {"created_at_start", "created_at_end"}


def test_pagerduty_analytics_of_several_rows_and_missing_fields(vendor):
    from core.integrations.adapters.pagerduty import combine_analytics

    combined = combine_analytics(
        [
            {"mean_seconds_to_resolve": 100, "total_incident_count": 1},
            {"mean_seconds_to_resolve": 400, "total_incident_count": 3},
            "junk",
        ]
    )
    assert combined == {"mean_seconds_to_resolve": 325.0, "total_incident_count": 4.0}
    server = vendor(pagerduty_routes([]))
    points = adapter("pagerduty", {"api_token": "pd", "api_url": server.url}).pull()
    assert not [p for p in points if p["type"] == "metric"]
    result = adapter("pagerduty", {"api_token": "pd", "api_url": server.url}).test_connection()
    assert (result["ok"], result["message"]) == (True, "PagerDuty API token is valid")
