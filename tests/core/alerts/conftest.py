"""Fixtures for the alert tests: rules on the `org` fixture's default host, a sampler stand-in
that calls the real `evaluate`, a listener on the live stream's local socket, eager Celery."""

from datetime import UTC, datetime, timedelta

import pytest

from cockpit.celery import app as celery_app
from core.alerts.evaluation import evaluate
from core.alerts.models import AlertEvent, AlertRule
from core.hosts.models import DockerHost

T0 = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
QUIET = {
    "cpu_percent": 10.0,
    "memory_percent": 10.0,
    "disk_percent": 10.0,
    "load_1": 0.1,
    "container_stopped": 0,
}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def host(org) -> DockerHost:
    return DockerHost.objects.get(org=org, is_default=True)


@pytest.fixture
def make_rule(org):
    def make(**fields) -> AlertRule:
        values = {"name": "High CPU", "metric": "cpu_percent", "operator": ">", "threshold": 90}
        return AlertRule.objects.create(org=org, **(values | fields))

    return make


@pytest.fixture
def sample(host, django_capture_on_commit_callbacks):
    """`sample(seconds, **readings)`: one host sample at T0 + seconds through the real
    `evaluate`, running what it defers to commit (stream, webhooks, push)."""

    def run(seconds: float, target: DockerHost | None = None, **readings) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            evaluate(target or host, QUIET | readings, at(seconds))

    return run


def events(**filters) -> list[AlertEvent]:
    return list(AlertEvent.objects.filter(**filters).order_by("created_at", "id"))


@pytest.fixture
def stream(stream_tap):
    return stream_tap


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous
