"""How long each tier is kept (spec §9.1, §14.44).

- Raw: 48 h once the host's backfill has run (168 h before it), and never a row whose hour has
  not been rolled: its hourly bucket exists, or the hour is at or before the hourly watermark
  (an hour without any CPU figure is rolled into nothing, and may go).
- Hourly and daily: the organisation's edition retention (`metrics_retention_days`); the
  original kept them for ever.
"""

from datetime import UTC, datetime, timedelta

from django.db.models.functions import TruncHour
from django.utils import timezone

from core.editions.resolver import edition_for
from core.hosts.models import DockerHost
from core.metrics_history.models import DailyRollup, HourlyRollup, MetricsSample, RollupState
from core.metrics_history.rollups import DAY, HOUR, epoch_of, moment_of

RAW_RETENTION_HOURS = 48
RAW_RETENTION_HOURS_BEFORE_BACKFILL = 168


def raw_retention_hours(host: DockerHost) -> int:
    done = RollupState.objects.filter(host=host, backfill_done=True).exists()
    return RAW_RETENTION_HOURS if done else RAW_RETENTION_HOURS_BEFORE_BACKFILL


def prune_raw(host: DockerHost, now: datetime | None = None) -> int:
    """Delete the host's raw rows older than the retention whose hour is rolled."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=raw_retention_hours(host))
    old = MetricsSample.objects.filter(host=host, created_at__lt=cutoff)
    old_hours = {
        epoch_of(hour)
        for hour in old.annotate(hour=TruncHour("created_at", tzinfo=UTC)).values_list(
            "hour", flat=True
        )
    }
    if not old_hours:
        return 0
    watermark = (
        RollupState.objects.filter(host=host).values_list("hourly_watermark", flat=True).first()
    )
    bucketed = set(
        HourlyRollup.objects.filter(host=host, bucket_start__in=old_hours).values_list(
            "bucket_start", flat=True
        )
    )
    deleted = 0
    for hour in sorted(old_hours):
        if hour in bucketed or (watermark is not None and hour <= watermark):
            count, _ = old.filter(
                created_at__gte=moment_of(hour), created_at__lt=moment_of(hour + HOUR)
            ).delete()
            deleted += count
    return deleted


def prune_rollups(host: DockerHost, now: datetime | None = None) -> int:
    """Delete the host's hourly and daily buckets older than its organisation's retention."""
    now = now or timezone.now()
    days = edition_for(host.org_id).metrics_retention_days
    cutoff = epoch_of(now) - int(days * DAY)
    deleted = 0
    for model in (HourlyRollup, DailyRollup):
        count, _ = model.objects.filter(host=host, bucket_start__lt=cutoff).delete()
        deleted += count
    return deleted
