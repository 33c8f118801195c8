"""`/metrics` exports the engine's active alerts by organisation and severity."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from core.alerts import services
from core.alerts.evaluation import evaluate
from tests.core.alerts.conftest import QUIET, at

pytestmark = pytest.mark.django_db


def active_alerts() -> dict[tuple, float]:
    response = Client().get("/metrics")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    return {
        (sample.labels["org"], sample.labels["severity"]): sample.value
        for sample in families["cockpit_alerts_active"].samples
    }


def test_active_alerts_by_severity(org, host, make_rule, sample):
    evaluate(host, QUIET, at(-60))
    make_rule(name="cpu", severity="critical")
    make_rule(name="load", metric="load_1", threshold=1, severity="critical")
    make_rule(name="disk", metric="disk_percent", threshold=80)
    quiet = make_rule(name="slow", metric="memory_percent", threshold=50, duration_seconds=600)
    assert active_alerts() == {}
    sample(0, cpu_percent=95, load_1=3, disk_percent=85, memory_percent=60)
    assert active_alerts() == {(org.slug, "critical"): 2, (org.slug, "warn"): 1}
    services.set_enabled(org.pk, quiet.pk, False)
    sample(15, cpu_percent=10, load_1=3, disk_percent=85)  # cpu resolves
    assert active_alerts() == {(org.slug, "critical"): 1, (org.slug, "warn"): 1}
