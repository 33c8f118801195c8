"""Raw → hourly → daily roll-ups of one host (spec §9.1).

- Hourly: every completed UTC hour (the current one never) gets min, max and average (2 dp) of
  each figure; `sample_count` counts the samples with a CPU figure, and an hour without any is
  skipped. Re-runs are idempotent (upserts) and start one hour before the watermark, the start
  of the last completed hour rolled.
- Daily: every completed UTC day from the hourly buckets: min of the minimums, max of the
  maximums, averages weighted by each hour's `sample_count` (2 dp), counts summed; the watermark
  works the same way, one day before.
- The first run of a host is its backfill: everything not yet rolled, once (the flag).

Each host's run happens in one transaction, holding its RollupState row.
"""

from collections import defaultdict
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Avg, Count, Max, Min
from django.db.models.functions import TruncHour
from django.utils import timezone

from core.hosts.models import DockerHost
from core.metrics_history.models import DailyRollup, HourlyRollup, MetricsSample, RollupState

HOUR = 3600
DAY = 86400

# Bucket field prefix → raw column.
SOURCES = {
    "cpu": "cpu_percent",
    "memory": "memory_percent",
    "disk": "disk_percent",
    "load": "load_1",
    "container_total": "container_total",
    "container_running": "container_running",
}
STAT_FIELDS = [f"{prefix}_{stat}" for prefix in SOURCES for stat in ("min", "max", "avg")]
UPSERT_FIELDS = [*STAT_FIELDS, "sample_count"]


def floor_to(epoch: int, size: int) -> int:
    return epoch // size * size


def epoch_of(moment: datetime) -> int:
    return int(moment.timestamp())


def moment_of(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def round2(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _upsert(model, host: DockerHost, buckets: list[dict]) -> int:
    if buckets:
        model.objects.bulk_create(
            [model(host=host, **bucket) for bucket in buckets],
            update_conflicts=True,
            unique_fields=["host", "bucket_start"],
            update_fields=UPSERT_FIELDS,
        )
    return len(buckets)


def hourly_buckets(host: DockerHost, start: int | None, end: int) -> list[dict]:
    """Hourly buckets of the raw rows in [start, end) (start None: from the first row)."""
    rows = MetricsSample.objects.filter(host=host, created_at__lt=moment_of(end))
    if start is not None:
        rows = rows.filter(created_at__gte=moment_of(start))
    aggregates = {"sample_count": Count("cpu_percent")}
    for prefix, column in SOURCES.items():
        aggregates |= {
            f"{prefix}_min": Min(column),
            f"{prefix}_max": Max(column),
            f"{prefix}_avg": Avg(column),
        }
    grouped = (
        rows.annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(**aggregates)
        .order_by("hour")
    )
    buckets = []
    for group in grouped:
        if not group["sample_count"]:
            continue  # no CPU figure in the whole hour: nothing worth a bucket
        bucket = {"bucket_start": epoch_of(group["hour"]), "sample_count": group["sample_count"]}
        for prefix in SOURCES:
            bucket[f"{prefix}_min"] = group[f"{prefix}_min"]
            bucket[f"{prefix}_max"] = group[f"{prefix}_max"]
            bucket[f"{prefix}_avg"] = round2(group[f"{prefix}_avg"])
        buckets.append(bucket)
    return buckets


def fold(buckets: list[dict], size: int | None = None) -> dict:
    """Several buckets as one: min of minimums, max of maximums, sample-weighted averages
    (2 dp), summed counts. `size` names the bucket_start grain when folding into buckets."""
    folded: dict = {"sample_count": sum(bucket["sample_count"] for bucket in buckets)}
    if size is not None:
        folded["bucket_start"] = floor_to(buckets[0]["bucket_start"], size)
    for prefix in SOURCES:
        minimums = [b[f"{prefix}_min"] for b in buckets if b[f"{prefix}_min"] is not None]
        maximums = [b[f"{prefix}_max"] for b in buckets if b[f"{prefix}_max"] is not None]
        weighted = [
            (b[f"{prefix}_avg"], b["sample_count"])
            for b in buckets
            if b[f"{prefix}_avg"] is not None and b["sample_count"]
        ]
        weight = sum(count for _, count in weighted)
        folded[f"{prefix}_min"] = min(minimums) if minimums else None
        folded[f"{prefix}_max"] = max(maximums) if maximums else None
        folded[f"{prefix}_avg"] = (
            round2(sum(avg * count for avg, count in weighted) / weight) if weight else None
        )
    return folded


def daily_buckets(host: DockerHost, start: int | None, end: int) -> list[dict]:
    """Daily buckets of the hourly buckets in [start, end)."""
    hours = HourlyRollup.objects.filter(host=host, bucket_start__lt=end)
    if start is not None:
        hours = hours.filter(bucket_start__gte=start)
    by_day: dict[int, list[dict]] = defaultdict(list)
    for bucket in hours.order_by("bucket_start").values("bucket_start", *UPSERT_FIELDS):
        by_day[floor_to(bucket["bucket_start"], DAY)].append(bucket)
    return [fold(buckets, DAY) for _, buckets in sorted(by_day.items())]


def _locked_state(host: DockerHost) -> RollupState | None:
    """The host's state row, locked for this transaction; None when another worker holds it."""
    RollupState.objects.get_or_create(host=host)
    return RollupState.objects.select_for_update(skip_locked=True).filter(host=host).first()


def _roll(host: DockerHost, state: RollupState, now: datetime, *, from_watermarks: bool) -> dict:
    current_hour = floor_to(epoch_of(now), HOUR)
    current_day = floor_to(epoch_of(now), DAY)
    hour_start = day_start = None
    if from_watermarks and state.hourly_watermark is not None:
        hour_start = state.hourly_watermark - HOUR
    if from_watermarks and state.daily_watermark is not None:
        day_start = state.daily_watermark - DAY
    hours = _upsert(HourlyRollup, host, hourly_buckets(host, hour_start, current_hour))
    days = _upsert(DailyRollup, host, daily_buckets(host, day_start, current_day))
    state.hourly_watermark = current_hour - HOUR
    state.daily_watermark = current_day - DAY
    return {"hours": hours, "days": days}


def backfill(host: DockerHost, now: datetime | None = None) -> dict:
    """Roll everything there is, once per host: `{"rolled": True, hours, days}`; afterwards
    `{"rolled": False}` and nothing is read."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _locked_state(host)
        if state is None or state.backfill_done:
            return {"rolled": False}
        counts = _roll(host, state, now, from_watermarks=False)
        state.backfill_done = True
        state.save()
    return {"rolled": True, **counts}


def rollup(host: DockerHost, now: datetime | None = None) -> dict:
    """The 5-minute job for one host: the backfill the first time, then from the watermarks."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _locked_state(host)
        if state is None:
            return {"rolled": False, "busy": True}
        if not state.backfill_done:
            counts = _roll(host, state, now, from_watermarks=False)
            state.backfill_done = True
        else:
            counts = _roll(host, state, now, from_watermarks=True)
        state.save()
    return {"rolled": True, **counts}
