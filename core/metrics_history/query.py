"""`GET /api/metrics/history` answers (spec §9.2): clamping to the edition's retention, the tier,
the window, and the two response shapes.

- Legacy (`hours` or no parameter): `{history, summary}` — raw rows up to 48 hours, hourly
  buckets under the raw field names beyond.
- Range (`range`, `from`/`to`): `{resolution, buckets, summary, clamped, requestedDays,
  servedDays, retentionDays}`, at most 5000 buckets.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.editions.resolver import edition_for
from core.hosts.models import DockerHost
from core.metrics_history import selectors
from core.metrics_history.params import DAY, MAX_DAYS, MIN_DAYS, HistoryRequest
from core.metrics_history.rollups import SOURCES, moment_of

MAX_POINTS = 5000
LEGACY_RAW_HOURS = 48
RAW_MAX_DAYS = 0.5
HOURLY_MAX_DAYS = 90
POINTS_PER_DAY = {"raw": 96, "hourly": 24}  # the original's estimates
COARSER = {"raw": "hourly", "hourly": "daily"}


@dataclass(frozen=True)
class Served:
    requested_days: float
    served_days: float
    retention_days: float
    clamped: bool


def clamp(requested_days: float, retention_days: float) -> Served:
    requested = min(max(requested_days, MIN_DAYS), MAX_DAYS)
    served = min(requested, retention_days)
    return Served(requested, served, retention_days, served < requested)


def tier_for(served_days: float) -> str:
    if served_days <= RAW_MAX_DAYS:
        tier = "raw"
    elif served_days <= HOURLY_MAX_DAYS:
        tier = "hourly"
    else:
        tier = "daily"
    while tier in POINTS_PER_DAY and served_days * POINTS_PER_DAY[tier] > MAX_POINTS:
        tier = COARSER[tier]
    return tier


def _js_round(value: float) -> int:
    return math.floor(value + 0.5)


def legacy_history(host: DockerHost, served: Served, now: datetime) -> dict:
    served_hours = max(1, _js_round(served.served_days * 24))
    since = now - timedelta(hours=served_hours)
    if served_hours <= LEGACY_RAW_HOURS:
        return {
            "history": selectors.legacy_raw_rows(host, since),
            "summary": selectors.legacy_raw_summary(host, since),
        }
    buckets = selectors.rollup_buckets(
        "hourly", host, now.timestamp() - served_hours * 3600, now.timestamp(), limit=None
    )
    history = [
        {
            **{column: bucket[f"{prefix}_avg"] for prefix, column in SOURCES.items()},
            "created_at": selectors.iso(moment_of(bucket["t"])),
        }
        for bucket in buckets
    ]
    return {"history": history, "summary": selectors.summary19(buckets)}


def range_history(host: DockerHost, request: HistoryRequest, served: Served, now: datetime):
    now_ts = now.timestamp()
    span = served.served_days * DAY
    if request.mode == "window":
        end = min(request.end, now_ts)
        start = max(request.start, end - span)
    else:
        end, start = now_ts, now_ts - span
    tier = tier_for(served.served_days)
    if tier == "raw":
        buckets = selectors.raw_buckets(host, start, end, MAX_POINTS)
    else:
        buckets = selectors.rollup_buckets(tier, host, start, end, MAX_POINTS)
    return {
        "resolution": tier,
        "buckets": buckets,
        "summary": selectors.summary13(buckets),
        "clamped": served.clamped,
        "requestedDays": request.requested_days,
        "servedDays": served.served_days,
        "retentionDays": served.retention_days,
    }


def history(host: DockerHost, request: HistoryRequest, now: datetime) -> dict:
    served = clamp(request.requested_days, edition_for(host.org_id).metrics_retention_days)
    if request.mode == "legacy":
        return legacy_history(host, served, now)
    return range_history(host, request, served, now)
