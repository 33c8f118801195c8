"""Reads of one host's metrics history: buckets of any tier over a half-open window, the legacy
raw rows, and the summaries."""

from datetime import datetime

from django.db.models import Avg, Count, Max, Min

from core.hosts.models import DockerHost
from core.metrics_history.models import DailyRollup, HourlyRollup, MetricsSample
from core.metrics_history.rollups import SOURCES, STAT_FIELDS, fold, moment_of, round2

TIERS = {"hourly": HourlyRollup, "daily": DailyRollup}
RAW_FIELDS = list(SOURCES.values())
SUMMARY13_PREFIXES = ("cpu", "memory", "disk", "load")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def rollup_buckets(
    tier: str, host: DockerHost, start: float, end: float, limit: int | None
) -> list[dict]:
    """Buckets of the hourly or daily tier with start <= t < end, ascending, at most `limit`."""
    rows = (
        TIERS[tier]
        .objects.filter(host=host, bucket_start__gte=start, bucket_start__lt=end)
        .order_by("bucket_start")
        .values("bucket_start", *STAT_FIELDS, "sample_count")[:limit]
    )
    return [{"t": row.pop("bucket_start"), **row} for row in rows]


def raw_buckets(host: DockerHost, start: float, end: float, limit: int) -> list[dict]:
    """Raw rows as buckets: min = max = avg = the value, one sample each."""
    rows = (
        MetricsSample.objects.filter(
            host=host, created_at__gte=moment_of(start), created_at__lt=moment_of(end)
        )
        .order_by("created_at", "pk")
        .values("created_at", *RAW_FIELDS)[:limit]
    )
    buckets = []
    for row in rows:
        bucket: dict = {"t": int(row["created_at"].timestamp())}
        for prefix, column in SOURCES.items():
            value = row[column]
            bucket |= {f"{prefix}_min": value, f"{prefix}_max": value, f"{prefix}_avg": value}
        bucket["sample_count"] = 1
        buckets.append(bucket)
    return buckets


def legacy_raw_rows(host: DockerHost, since: datetime) -> list[dict]:
    rows = (
        MetricsSample.objects.filter(host=host, created_at__gt=since)
        .order_by("created_at", "pk")
        .values(*RAW_FIELDS, "created_at")
    )
    return [{**row, "created_at": iso(row["created_at"])} for row in rows]


def legacy_raw_summary(host: DockerHost, since: datetime) -> dict:
    """Summary19 over the raw rows newer than `since`: row count, and per figure the average
    (2 dp), minimum and maximum."""
    aggregates: dict = {"data_points": Count("pk")}
    for prefix, column in SOURCES.items():
        aggregates |= {
            f"{prefix}_avg": Avg(column),
            f"{prefix}_min": Min(column),
            f"{prefix}_max": Max(column),
        }
    summary = MetricsSample.objects.filter(host=host, created_at__gt=since).aggregate(**aggregates)
    for prefix in SOURCES:
        summary[f"{prefix}_avg"] = round2(summary[f"{prefix}_avg"])
    return summary


def summary19(buckets: list[dict]) -> dict | None:
    """Summary19 of rollup buckets: data points = samples behind them, weighted averages."""
    if not buckets:
        return None
    folded = fold(buckets)
    summary = {"data_points": folded.pop("sample_count")}
    for prefix in SOURCES:
        for stat in ("avg", "min", "max"):
            summary[f"{prefix}_{stat}"] = folded[f"{prefix}_{stat}"]
    return summary


def summary13(buckets: list[dict]) -> dict | None:
    """Summary13 of the buckets served: data points = number of buckets, weighted averages."""
    if not buckets:
        return None
    folded = fold(buckets)
    summary = {"data_points": len(buckets)}
    for prefix in SUMMARY13_PREFIXES:
        for stat in ("min", "max", "avg"):
            summary[f"{prefix}_{stat}"] = folded[f"{prefix}_{stat}"]
    return summary
