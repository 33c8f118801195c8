"""Writing the raw tier: one row per host sample. A figure that is missing or not a finite
number (NaN, ±Infinity) is stored as NULL (spec §13.33)."""

import math
from datetime import datetime

from core.hosts.models import DockerHost
from core.metrics_history.models import MetricsSample


def finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _count(value) -> int | None:
    number = finite(value)
    return None if number is None else int(number)


def raw_values(metrics: dict, containers: list[dict] | None) -> dict:
    """The raw row's figures from SystemMetrics and the container list (None when the engine
    did not answer: unknown, not zero)."""
    metrics = metrics or {}
    running = None
    if containers is not None:
        running = sum(1 for container in containers if container.get("state") == "running")
    return {
        "cpu_percent": finite(metrics.get("cpuPercent")),
        "memory_percent": finite((metrics.get("memory") or {}).get("percent")),
        "disk_percent": finite((metrics.get("disk") or {}).get("percent")),
        "load_1": finite((metrics.get("load") or {}).get("load1")),
        "container_total": None if containers is None else len(containers),
        "container_running": _count(running),
    }


def record(
    host: DockerHost, metrics: dict, containers: list[dict] | None, sampled_at: datetime
) -> MetricsSample:
    return MetricsSample.objects.create(
        host=host, created_at=sampled_at, **raw_values(metrics, containers)
    )
