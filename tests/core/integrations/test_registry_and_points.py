"""The adapter contract, helpers and registry (spec §13 item 48), and config validation."""

import pytest

from core.integrations import points
from core.integrations.adapters.base import Adapter, ConfigInvalid
from core.integrations.registry import AdapterRegistry, UnknownAdapter, registry


class Bare(Adapter):
    name = "bare"
    display_name = "Bare"


def test_base_adapter_methods_say_not_implemented():
    adapter = Bare({})
    with pytest.raises(NotImplementedError, match="not implemented"):
        adapter.pull()
    with pytest.raises(NotImplementedError, match="not implemented"):
        adapter.probe()
    result = adapter.test_connection()  # never raises
    assert result["ok"] is False
    assert "not implemented" in result["message"]


def test_helpers_build_the_three_shapes():
    metric = points.metric("cpu", 12, "percent", {"host": "a", "n": 1})
    assert metric["type"] == "metric"
    assert metric["metric"] == {
        "name": "cpu", "value": 12.0, "unit": "percent", "labels": {"host": "a", "n": "1"}
    }  # fmt: skip
    assert metric["timestamp"].endswith("Z")
    assert {"source", "sourceId"} <= set(metric)
    assert points.event("Deploy")["event"] == {"title": "Deploy", "severity": "info", "body": ""}
    assert points.alert("Down", "critical", "firing", "http://x")["alert"] == {
        "title": "Down", "severity": "critical", "status": "firing", "source_url": "http://x"
    }  # fmt: skip
    tagged = points.tag(metric, "prometheus", "id-1")
    assert (tagged["source"], tagged["sourceId"]) == ("prometheus", "id-1")
    assert points.as_number("1e3") == 1000.0
    assert points.as_number("nan") is None
    assert points.as_number(True) == 1.0
    assert points.as_number("green") is None


def test_registry_register_has_get_create_list():
    local = AdapterRegistry()
    assert not local.has("bare")
    local.register(Bare)
    assert local.has("bare")
    assert local.get("bare") is Bare
    created = local.create("bare", {"a": 1})
    assert isinstance(created, Bare)
    assert created.config == {"a": 1}
    assert local.list() == [
        {
            "name": "bare",
            "displayName": "Bare",
            "version": "1.0.0",
            "configSchema": {"type": "object"},
        }
    ]
    with pytest.raises(UnknownAdapter) as caught:
        local.get("nope")
    assert caught.value.message == "Unknown adapter: nope"

    class Other(Adapter):
        name = "bare"

    with pytest.raises(ValueError, match="already registered"):
        local.register(Other)


def test_the_six_built_ins():
    assert registry.names() == [
        "prometheus", "grafana", "http-json", "datadog", "cloudwatch", "pagerduty"
    ]  # fmt: skip
    names = {entry["name"]: entry["displayName"] for entry in registry.list()}
    assert names["cloudwatch"] == "AWS CloudWatch"
    assert names["http-json"] == "HTTP / JSON API"


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("prometheus", {}, "config.url is required"),
        ("prometheus", {"url": 5}, "config.url must be string"),
        ("prometheus", {"url": "ftp://x"}, "config.url: URL must be http or https"),
        ("prometheus", {"url": "http://u:p@x"}, "config.url: URL must not contain credentials"),
        ("prometheus", {"url": "http://x", "queries": [{}]}, "config.queries[0].query is required"),
        ("prometheus", {"url": "http://x", "pullAlerts": "y"}, "config.pullAlerts must be boolean"),
        ("http-json", {"url": "http://x", "method": "PUT"}, "method must be one of: GET, POST"),
        ("http-json", {"url": "http://x", "headers": {"A": "b\r\nc"}}, "line breaks"),
        ("datadog", {"api_key": "k"}, "config.app_key is required"),
        ("datadog", {"api_key": "k", "app_key": "a", "site": "evil.com/x?"}, "invalid format"),
        ("cloudwatch", {"access_key_id": "A", "secret_access_key": ""}, "must not be empty"),
        ("cloudwatch", {"access_key_id": "A-1", "secret_access_key": "s"}, "letters and digits"),
        ("cloudwatch", {"access_key_id": "A", "secret_access_key": "s",
                        "metrics": [{"name": "x", "statistic": "p99"}]}, "statistic must be"),
        ("pagerduty", {}, "config.api_token is required"),
    ],
)  # fmt: skip
def test_config_validation_messages(name, config, message):
    with pytest.raises(ConfigInvalid) as caught:
        registry.get(name).validate_config(config)
    assert message in caught.value.message


def test_valid_configs_pass():
    registry.get("prometheus").validate_config({"url": "http://prometheus:9090"})
    registry.get("cloudwatch").validate_config(
        {"access_key_id": "AKID", "secret_access_key": "s", "dimensions": {"InstanceId": "i-1"}}
    )
    with pytest.raises(ConfigInvalid, match="config must be object"):
        registry.get("grafana").validate_config([])
