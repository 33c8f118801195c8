"""Host CPU %, computed so that callers never steal each other's delta (spec §14.32).

Upstream keeps one "previous reading" per process and every caller (the sampler, /metrics,
/api/overview, /api/system/metrics) replaces it, so two calls a few milliseconds apart see an
almost empty delta and report ~0 %. Here one baseline lives in the shared cache (so web
replicas, worker and sampler agree) together with the last computed value:

- when the baseline is at least MIN_INTERVAL old, the caller computes the delta against it,
  stores the new reading as the baseline and stores the result;
- otherwise the caller reports the last computed value and leaves the baseline alone.

Two callers racing past the age check both compute against the same old baseline, so both get a
true figure. The very first caller has no baseline and reports the average since boot, which is
a real figure too (the counters in stat are cumulative).
"""

import time
from pathlib import Path

from django.core.cache import cache

from core.hostmetrics.procfs import CpuTimes, cpu_times

MIN_INTERVAL = 1.0  # seconds between the readings a delta is taken over
CACHE_TTL = 3600


def _cache_key(proc: Path) -> str:
    return f"hostmetrics:cpu:{proc}"


def _percent(busy: int, total: int) -> float:
    return round(busy / total * 100, 2) if total > 0 else 0.0


def cpu_percent(proc: Path, now: float | None = None) -> float:
    current = cpu_times(proc)
    if current is None:
        return 0.0
    now = time.time() if now is None else now
    key = _cache_key(proc)
    state = cache.get(key)
    if state is None:
        percent = _percent(current.busy, current.total)
    elif now - state["taken_at"] < MIN_INTERVAL:
        return state["percent"]
    else:
        baseline = CpuTimes(busy=state["busy"], total=state["total"])
        delta_total = current.total - baseline.total
        if delta_total <= 0:  # counters reset (another procfs, a reboot): start over
            percent = _percent(current.busy, current.total)
        else:
            percent = _percent(max(current.busy - baseline.busy, 0), delta_total)
    cache.set(
        key,
        {"busy": current.busy, "total": current.total, "taken_at": now, "percent": percent},
        CACHE_TTL,
    )
    return percent
