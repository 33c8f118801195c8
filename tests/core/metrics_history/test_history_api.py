"""`GET /api/metrics/history` over HTTP with real tokens (spec §9.2, §13.37, §13.42-44)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.accounts.models import Edition
from core.hosts.models import DockerHost
from core.metrics_history.models import DailyRollup
from tests.core.metrics_history.conftest import hourly, raw

pytestmark = pytest.mark.django_db

HOUR, DAY = 3600, 86400
BUCKET_KEYS = {
    "t",
    *(
        f"{p}_{s}"
        for p in ("cpu", "memory", "disk", "load", "container_total", "container_running")
        for s in ("min", "max", "avg")
    ),
    "sample_count",
}
SUMMARY13_KEYS = {
    "data_points",
    *(f"{p}_{s}" for p in ("cpu", "memory", "disk", "load") for s in ("min", "max", "avg")),
}
SUMMARY19_KEYS = SUMMARY13_KEYS | {
    f"container_{k}_{s}" for k in ("total", "running") for s in ("min", "max", "avg")
}
RAW_ROW_KEYS = {
    "cpu_percent",
    "memory_percent",
    "disk_percent",
    "load_1",
    "container_total",
    "container_running",
    "created_at",
}


def set_edition(org, edition):
    org.edition = edition
    org.save()


def hour_ago(hours: float) -> int:
    return int((time.time() - hours * HOUR) // HOUR * HOUR)


def get(client, query: str):
    return client.get(f"/api/metrics/history?{query}")


def test_errors_are_the_contracts_bodies(auth_client):
    client = auth_client("viewer")
    response = get(client, "range=2d")
    assert response.status_code == 400
    assert response.json() == {"error": "range must be one of 24h,7d,30d,90d,1y"}
    assert get(client, "from=5").json() == {"error": "from and to are both required"}
    assert get(client, "hours=abc").json() == {"error": "hours must be a finite number"}


def test_needs_a_token(api_client):
    assert api_client.get("/api/metrics/history").status_code == 401


def test_range_24h_on_pro_is_hourly(org, auth_client):  # §13.42
    set_edition(org, Edition.PRO)
    host = org.hosts.get()
    hourly(host, hour_ago(3), value=42.0, count=4)
    body = get(auth_client("viewer"), "range=24h").json()
    assert body["resolution"] == "hourly"
    assert (body["requestedDays"], body["servedDays"], body["retentionDays"]) == (1, 1, 365)
    assert body["clamped"] is False
    [bucket] = body["buckets"]
    assert set(bucket) == BUCKET_KEYS
    assert bucket["cpu_avg"] == 42.0
    assert bucket["sample_count"] == 4
    assert set(body["summary"]) == SUMMARY13_KEYS
    assert body["summary"]["data_points"] == 1


def test_ce_one_year_is_clamped_to_90_days_and_older_data_never_leaks(org, auth_client):
    host = org.hosts.get()
    now = time.time()
    old_day = int((now - 100 * DAY) // DAY * DAY)
    recent_day = int((now - 10 * DAY) // DAY * DAY)
    hourly(host, old_day, value=99.0, model=DailyRollup)
    hourly(host, recent_day, value=11.0, model=DailyRollup)
    hourly(host, hour_ago(100 * 24), value=99.0)
    hourly(host, hour_ago(10 * 24), value=11.0)
    client = auth_client("viewer")
    body = get(client, "range=1y").json()
    assert body["clamped"] is True
    assert (body["requestedDays"], body["servedDays"], body["retentionDays"]) == (365, 90, 90)
    assert body["resolution"] == "hourly"
    assert [b["cpu_avg"] for b in body["buckets"]] == [11.0]
    for query in ("hours=8760", "hours=1e9"):
        legacy = get(client, query).json()
        assert [row["cpu_percent"] for row in legacy["history"]] == [11.0], query
    window = get(client, f"from={int(now - 200 * DAY)}&to={int(now)}").json()
    assert window["clamped"] is True
    assert window["servedDays"] == 90
    assert [b["cpu_avg"] for b in window["buckets"]] == [11.0]


def test_legacy_24_hours_has_exactly_history_and_summary(org, auth_client):  # §13.43
    host = org.hosts.get()
    now = timezone.now()
    raw(host, now - timedelta(hours=30), cpu=1.0)
    raw(host, now - timedelta(hours=2), cpu=10.0, total=5, running=3)
    raw(host, now - timedelta(hours=1), cpu=20.0, total=6, running=5)
    body = get(auth_client("viewer"), "hours=24").json()
    assert set(body) == {"history", "summary"}
    assert [row["cpu_percent"] for row in body["history"]] == [10.0, 20.0]
    assert set(body["history"][0]) == RAW_ROW_KEYS
    assert body["history"][0]["created_at"].endswith("Z")
    summary = body["summary"]
    assert set(summary) == SUMMARY19_KEYS
    assert summary["data_points"] == 2
    assert (summary["cpu_avg"], summary["cpu_min"], summary["cpu_max"]) == (15.0, 10.0, 20.0)
    assert (summary["container_total_min"], summary["container_total_max"]) == (5, 6)


def test_legacy_168_hours_reads_hourly_buckets_under_raw_names(org, auth_client):
    host = org.hosts.get()
    hourly(host, hour_ago(100), value=80.0, count=3)
    hourly(host, hour_ago(5), value=20.0, count=1)
    hourly(host, hour_ago(200), value=99.0, count=1)  # outside 168 h
    body = get(auth_client("viewer"), "hours=168").json()
    assert set(body) == {"history", "summary"}
    assert [row["cpu_percent"] for row in body["history"]] == [80.0, 20.0]
    assert set(body["history"][0]) == RAW_ROW_KEYS
    summary = body["summary"]
    assert set(summary) == SUMMARY19_KEYS
    assert summary["data_points"] == 4  # Σ sample_count
    assert summary["cpu_avg"] == 65.0  # (80 * 3 + 20 * 1) / 4
    assert summary["cpu_max"] == 80.0


def test_hours_below_24_are_served_as_asked(org, auth_client):  # §14.46, deliberate fix
    host = org.hosts.get()
    now = timezone.now()
    raw(host, now - timedelta(hours=3), cpu=1.0)
    raw(host, now - timedelta(minutes=30), cpu=2.0)
    body = get(auth_client("viewer"), "hours=1").json()
    assert set(body) == {"history", "summary"}
    assert [row["cpu_percent"] for row in body["history"]] == [2.0]


def test_enterprise_60_day_window_is_not_raw(org, auth_client):  # §13.44
    set_edition(org, Edition.ENTERPRISE)
    host = org.hosts.get()
    hourly(host, hour_ago(24 * 30), value=5.0)
    now = int(time.time())
    body = get(auth_client("viewer"), f"from={now - 60 * DAY}&to={now}").json()
    assert body["resolution"] == "hourly"
    assert body["retentionDays"] == 730
    assert len(body["buckets"]) == 1 <= 5000


def test_a_window_around_now_reads_raw_rows(org, auth_client):
    host = org.hosts.get()
    now = timezone.now()
    raw(host, now - timedelta(minutes=10), cpu=33.0)
    raw(host, now - timedelta(minutes=50), cpu=44.0)  # before the window
    epoch = int(now.timestamp())
    body = get(auth_client("viewer"), f"from={epoch - 1800}&to={epoch + 1800}").json()
    assert body["resolution"] == "raw"
    [bucket] = body["buckets"]
    assert set(bucket) == BUCKET_KEYS
    assert bucket["cpu_min"] == bucket["cpu_max"] == bucket["cpu_avg"] == 33.0
    assert bucket["sample_count"] == 1
    assert body["summary"]["data_points"] == 1


def test_range_summary_comes_from_the_buckets(org, auth_client):
    host = org.hosts.get()
    hourly(host, hour_ago(24 * 15), value=77.0, count=2)
    hourly(host, hour_ago(24), value=7.0, count=2)
    body = get(auth_client("viewer"), "range=30d").json()
    assert body["summary"]["cpu_max"] == 77.0
    assert body["summary"]["cpu_avg"] == 42.0
    assert body["summary"]["data_points"] == 2


def test_buckets_are_ascending_and_half_open(org, auth_client):  # §13.37
    set_edition(org, Edition.PRO)
    host = org.hosts.get()
    start = hour_ago(24 * 3)
    for offset in (2, 0, 1, 24):
        hourly(host, start + offset * HOUR, value=float(offset))
    body = get(auth_client("viewer"), f"from={start}&to={start + 24 * HOUR}").json()
    assert body["resolution"] == "hourly"
    assert [b["t"] for b in body["buckets"]] == [start, start + HOUR, start + 2 * HOUR]


def test_daily_tier_beyond_90_days(org, auth_client):
    set_edition(org, Edition.PRO)
    host = org.hosts.get()
    day = int((time.time() - 50 * DAY) // DAY * DAY)
    hourly(host, day, value=12.0, count=24, model=DailyRollup)
    body = get(auth_client("viewer"), "range=1y").json()
    assert body["resolution"] == "daily"
    assert [b["t"] for b in body["buckets"]] == [day]
    assert set(body["buckets"][0]) == BUCKET_KEYS
    assert body["summary"] is not None


def test_empty_range_has_a_null_summary(auth_client):
    body = get(auth_client("viewer"), "range=7d").json()
    assert body["buckets"] == []
    assert body["summary"] is None


def test_history_is_per_host(org, other_org, auth_client):
    default = org.hosts.get()
    second = DockerHost.objects.create(org=org, name="second", slug="second", base_url="")
    now = timezone.now()
    raw(default, now - timedelta(minutes=5), cpu=1.0)
    raw(second, now - timedelta(minutes=5), cpu=2.0)
    client = auth_client("viewer")
    assert [r["cpu_percent"] for r in get(client, "").json()["history"]] == [1.0]
    assert [r["cpu_percent"] for r in get(client, "host=second").json()["history"]] == [2.0]
    missing = get(client, "host=nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Host not found"}
    DockerHost.objects.create(org=other_org, name="theirs", slug="theirs", base_url="")
    assert get(client, "host=theirs").status_code == 404
