from datetime import UTC, datetime

import pytest

from core.hosts.models import DockerHost
from core.metrics_history.models import HourlyRollup, MetricsSample


@pytest.fixture
def host(org):
    return DockerHost.objects.get(org=org, is_default=True)


def raw(host, at: datetime, cpu=10.0, memory=20.0, disk=30.0, load=1.0, total=5, running=4):
    return MetricsSample.objects.create(
        host=host,
        created_at=at,
        cpu_percent=cpu,
        memory_percent=memory,
        disk_percent=disk,
        load_1=load,
        container_total=total,
        container_running=running,
    )


def hourly(host, bucket_start: int, value=10.0, count=1, model=HourlyRollup):
    fields = {}
    for prefix in ("cpu", "memory", "disk", "load"):
        fields |= {f"{prefix}_min": value, f"{prefix}_max": value, f"{prefix}_avg": value}
    for prefix in ("container_total", "container_running"):
        fields |= {f"{prefix}_min": 3, f"{prefix}_max": 3, f"{prefix}_avg": 3.0}
    return model.objects.create(host=host, bucket_start=bucket_start, sample_count=count, **fields)


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
