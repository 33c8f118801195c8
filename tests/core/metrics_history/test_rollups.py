"""Roll-ups, backfill and retention (spec §9.1, §13.35-39, §14.44)."""

from datetime import timedelta

import pytest

from core.accounts.models import Edition
from core.metrics_history import retention, rollups
from core.metrics_history.models import DailyRollup, HourlyRollup, MetricsSample, RollupState
from tests.core.metrics_history.conftest import at, hourly, raw

pytestmark = pytest.mark.django_db

HOUR, DAY = 3600, 86400
# "Now" is 2025-03-10 14:20 UTC; the hour before started at 13:00.
NOW = at(1741615200 + 20 * 60)
CURRENT_HOUR = 1741615200
PREVIOUS_HOUR = CURRENT_HOUR - HOUR
TODAY = CURRENT_HOUR // DAY * DAY


def test_hourly_exact_figures_for_three_samples(host):  # §13.35
    for minute, cpu, running in ((5, 10.0, 3), (25, 20.0, 4), (45, 45.5, 5)):
        raw(host, at(PREVIOUS_HOUR + minute * 60), cpu=cpu, memory=cpu + 1, running=running)
    rollups.rollup(host, NOW)
    bucket = HourlyRollup.objects.get(host=host)
    assert bucket.bucket_start == PREVIOUS_HOUR  # epoch of the UTC hour
    assert (bucket.cpu_min, bucket.cpu_max, bucket.cpu_avg) == (10.0, 45.5, 25.17)
    assert (bucket.memory_min, bucket.memory_max, bucket.memory_avg) == (11.0, 46.5, 26.17)
    assert (bucket.container_running_min, bucket.container_running_max) == (3, 5)
    assert bucket.container_running_avg == 4.0
    assert bucket.sample_count == 3


def test_sample_count_counts_cpu_figures_only_and_empty_cpu_hours_are_skipped(host):
    raw(host, at(PREVIOUS_HOUR + 60), cpu=10.0)
    raw(host, at(PREVIOUS_HOUR + 120), cpu=None)
    raw(host, at(PREVIOUS_HOUR - HOUR + 60), cpu=None)  # an hour with no CPU figure at all
    rollups.rollup(host, NOW)
    assert list(HourlyRollup.objects.values_list("bucket_start", "sample_count")) == [
        (PREVIOUS_HOUR, 1)
    ]


def test_the_current_hour_is_not_rolled(host):
    raw(host, at(CURRENT_HOUR + 60))
    rollups.rollup(host, NOW)
    assert not HourlyRollup.objects.exists()


def test_rollup_is_idempotent_with_a_stable_watermark(host):
    raw(host, at(PREVIOUS_HOUR + 60), cpu=10.0)
    rollups.rollup(host, NOW)
    first = list(HourlyRollup.objects.values())
    watermark = RollupState.objects.get(host=host).hourly_watermark
    rollups.rollup(host, NOW)
    rollups.rollup(host, NOW + timedelta(minutes=5))
    assert list(HourlyRollup.objects.values()) == first
    assert RollupState.objects.get(host=host).hourly_watermark == watermark == PREVIOUS_HOUR


def test_incremental_rollup_picks_up_the_hour_that_completed(host):
    rollups.rollup(host, NOW)  # backfill of nothing
    raw(host, at(CURRENT_HOUR + 60), cpu=50.0)
    rollups.rollup(host, NOW + timedelta(hours=1))
    assert HourlyRollup.objects.get(host=host).bucket_start == CURRENT_HOUR


def test_daily_is_sample_weighted_and_folds_min_max(host):  # §13.36
    yesterday = TODAY - DAY
    first = hourly(host, yesterday + 2 * HOUR, value=10.0, count=1)
    second = hourly(host, yesterday + 5 * HOUR, value=20.0, count=9)
    HourlyRollup.objects.filter(pk=first.pk).update(cpu_min=1.0, cpu_max=12.0)
    HourlyRollup.objects.filter(pk=second.pk).update(cpu_min=15.0, cpu_max=99.0)
    hourly(host, TODAY + HOUR, value=70.0, count=3)  # today: not rolled
    rollups.rollup(host, NOW)
    day = DailyRollup.objects.get(host=host)
    assert day.bucket_start == yesterday
    assert day.cpu_avg == 19.0  # (10 * 1 + 20 * 9) / 10, not 15
    assert (day.cpu_min, day.cpu_max) == (1.0, 99.0)
    assert day.sample_count == 10
    rollups.rollup(host, NOW)
    assert DailyRollup.objects.count() == 1
    assert DailyRollup.objects.get(host=host).cpu_avg == 19.0


def test_backfill_rolls_everything_once(host):  # §13.38
    raw(host, at(PREVIOUS_HOUR - 3 * DAY), cpu=5.0)
    raw(host, at(PREVIOUS_HOUR + 60), cpu=7.0)
    result = rollups.backfill(host, NOW)
    assert result == {"rolled": True, "hours": 2, "days": 1}
    assert RollupState.objects.get(host=host).backfill_done
    raw(host, at(PREVIOUS_HOUR - 2 * DAY), cpu=9.0)  # new raw in an old hour
    assert rollups.backfill(host, NOW) == {"rolled": False}
    assert HourlyRollup.objects.count() == 2


def test_hosts_are_rolled_separately(host, other_org):
    other = other_org.hosts.get()
    raw(host, at(PREVIOUS_HOUR + 60), cpu=10.0)
    raw(other, at(PREVIOUS_HOUR + 60), cpu=90.0)
    rollups.rollup(host, NOW)
    rollups.rollup(other, NOW)
    assert HourlyRollup.objects.get(host=host).cpu_avg == 10.0
    assert HourlyRollup.objects.get(host=other).cpu_avg == 90.0


# --- raw retention (§13.39) ---------------------------------------------------------------


def test_raw_retention_is_48_hours_after_the_backfill(host):
    assert retention.RAW_RETENTION_HOURS == 48
    old = raw(host, NOW - timedelta(hours=50))
    young = raw(host, NOW - timedelta(hours=47))
    rollups.rollup(host, NOW)  # backfill: both hours rolled
    assert retention.prune_raw(host, NOW) == 1
    assert not MetricsSample.objects.filter(pk=old.pk).exists()
    assert MetricsSample.objects.filter(pk=young.pk).exists()  # rolled but younger than 48 h


def test_raw_prune_never_deletes_unrolled_raw(host):
    RollupState.objects.create(host=host, backfill_done=True, hourly_watermark=None)
    kept = raw(host, NOW - timedelta(hours=60))
    assert retention.prune_raw(host, NOW) == 0
    assert MetricsSample.objects.filter(pk=kept.pk).exists()


def test_raw_of_an_hour_with_a_bucket_goes_even_past_the_watermark(host):
    RollupState.objects.create(host=host, backfill_done=True, hourly_watermark=None)
    row = raw(host, NOW - timedelta(hours=60))
    hourly(host, int(row.created_at.timestamp()) // HOUR * HOUR)
    assert retention.prune_raw(host, NOW) == 1


def test_before_the_backfill_raw_is_kept_168_hours(host):
    five_days = raw(host, NOW - timedelta(days=5))
    eight_days = raw(host, NOW - timedelta(days=8))
    for row in (five_days, eight_days):  # rolled by hand: their buckets exist
        hourly(host, int(row.created_at.timestamp()) // HOUR * HOUR)
    assert retention.prune_raw(host, NOW) == 1
    assert MetricsSample.objects.filter(pk=five_days.pk).exists()


# --- roll-up retention by edition (§14.44: the original never pruned them) -------------------


@pytest.mark.parametrize(
    ("edition", "kept_days"), [(Edition.CE, 90), (Edition.PRO, 365), (Edition.ENTERPRISE, 730)]
)
def test_rollups_are_pruned_beyond_the_editions_retention(host, edition, kept_days):
    host.org.edition = edition
    host.org.save()
    now_epoch = int(NOW.timestamp())
    inside = now_epoch - (kept_days - 1) * DAY
    outside = now_epoch - (kept_days + 1) * DAY
    for model in (HourlyRollup, DailyRollup):
        hourly(host, inside // HOUR * HOUR, model=model)
        hourly(host, outside // HOUR * HOUR, model=model)
    assert retention.prune_rollups(host, NOW) == 2
    assert HourlyRollup.objects.count() == DailyRollup.objects.count() == 1
