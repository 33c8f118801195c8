"""One sample of one host and everything it feeds, in the original's order (spec §6.2):

    collect (engine) → host status → raw metrics row → snapshot → alert evaluation
    → container transitions and crash loops (persisted, then announced)

Each step after the collection is contained: its failure is logged and the next steps still
run (spec §13.30). An unreachable engine is not a failure: the host is marked offline, the host
figures are still recorded, the snapshot has no containers and the transitions wait for the
engine to come back (nothing is forgotten meanwhile).

`sample_if_due` is what the Celery task runs: one sample of a host at a time (a short cache
lock) and at most one per interval, the last-sample time being advanced before the work starts
so a failing sample is not retried sooner.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from core.hosts.models import DockerHost, HostKind, HostStatus
from core.metrics_history import recording
from core.sampling import announce, peers, snapshots, transitions, watch_store
from core.sampling.collect import Sample, collect

log = logging.getLogger(__name__)

SAMPLE_INTERVAL = 15.0  # seconds; the beat tick
INTERVAL_TOLERANCE = 0.5  # a tick that fires a little early still samples
LOCK_SECONDS = 60  # longer than any sample; released as soon as the sample ends
LAST_SAMPLE_TTL = 3600


@dataclass
class Report:
    host_id: int
    engine_up: bool
    containers: int = 0
    changes: list[transitions.StateChange] = field(default_factory=list)
    crash_loops: list[transitions.CrashLoop] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)


def alert_values(sample: Sample) -> dict[str, float | None]:
    """The figures alert rules watch (spec §6.3); `container_stopped` is unknown (None), not
    zero, when the engine did not answer."""
    raw = recording.raw_values(sample.metrics, sample.containers)
    stopped = None
    if sample.containers is not None:
        stopped = raw["container_total"] - raw["container_running"]
    return {
        "cpu_percent": raw["cpu_percent"],
        "memory_percent": raw["memory_percent"],
        "disk_percent": raw["disk_percent"],
        "load_1": raw["load_1"],
        "container_stopped": stopped,
    }


def update_host_status(host: DockerHost, sample: Sample) -> None:
    previous = host.status
    current = HostStatus.ONLINE if sample.engine_up else HostStatus.OFFLINE
    fields: dict = {"status": current}
    if sample.engine_up:
        fields["last_seen_at"] = sample.sampled_at
    DockerHost.objects.filter(pk=host.pk).update(**fields)
    for name, value in fields.items():
        setattr(host, name, value)
    if previous != current:
        announce.host_status_change(host, previous, current, sample.sampled_at)


def store_snapshot(sample: Sample) -> None:
    host = sample.host
    snapshots.store(
        host.pk, host.org_id, sample.metrics, sample.containers or [], sample.sampled_at
    )


def _maintenance(org_id: int) -> bool:
    try:
        return peers.maintenance_on(org_id)
    except Exception:  # unknown: report as usual rather than swallow a real outage
        log.exception("maintenance state of organisation %s unreadable", org_id)
        return False


def detect_transitions(
    sample: Sample, previous: dict[str, transitions.Watch], report: Report
) -> None:
    if not sample.engine_up:
        return
    host, now = sample.host, sample.sampled_at
    outcome = transitions.step(
        previous, sample.seen(), sample.restart_counts, now, maintenance=_maintenance(host.org_id)
    )
    # Saved before anything is announced: a crash in between loses an event rather than
    # announcing it again after a restart.
    watch_store.save(host, previous, outcome.watches, now)
    report.changes, report.crash_loops = outcome.changes, outcome.crash_loops
    for change in outcome.changes:
        _contained(
            report, f"announce {change.container_id[:12]}", announce.state_change, host, change, now
        )
    for loop in outcome.crash_loops:
        _contained(
            report, f"crash loop {loop.container_id[:12]}", announce.crash_loop, host, loop, now
        )


def _contained(report: Report, step: str, function, *args) -> None:
    try:
        function(*args)
    except Exception:
        report.failed_steps.append(step)
        log.exception("host %s: sampler step %r failed", report.host_id, step)


def sample_host(host: DockerHost, now: datetime | None = None) -> Report:
    """Take one sample of `host` now and feed it to everything that needs it."""
    sampled_at = now or timezone.now()
    previous = watch_store.load(host)
    return feed(collect(host, previous, sampled_at), previous)


def feed(sample: Sample, previous: dict[str, transitions.Watch], host_status=True) -> Report:
    """Every step after the collection. An agent host's sample is collected on the agent and
    fed here by the control plane without the host-status step (its agent's heartbeats keep
    that status)."""
    host, sampled_at = sample.host, sample.sampled_at
    report = Report(host.pk, sample.engine_up, len(sample.containers or []))
    if not sample.engine_up:
        log.info("host %s: engine unreachable (%s)", host.pk, sample.engine_error)
    if host_status:
        _contained(report, "host status", update_host_status, host, sample)
    _contained(
        report,
        "metrics history",
        recording.record,
        host,
        sample.metrics,
        sample.containers,
        sampled_at,
    )
    _contained(report, "snapshot", store_snapshot, sample)
    _contained(report, "alert evaluation", peers.evaluate, host, alert_values(sample), sampled_at)
    _contained(report, "container transitions", detect_transitions, sample, previous, report)
    return report


# --- the task's guard -----------------------------------------------------------------------


def sampled_hosts():
    """Hosts the control-plane workers sample. Agent hosts are not among them: their engine is
    only reachable from the agent on that host, which samples them on its own queue (routed
    by the agent work, not here)."""
    return DockerHost.objects.exclude(kind=HostKind.AGENT)


def sample_if_due(host_id: int) -> str:
    """Sample a host unless a sample of it is running ("busy") or it was sampled less than an
    interval ago ("not due"). Returns what happened."""
    host = sampled_hosts().filter(pk=host_id).first()
    if host is None:
        return "gone"
    lock_key, token = f"sampling:lock:{host_id}", uuid.uuid4().hex
    if not cache.add(lock_key, token, LOCK_SECONDS):
        return "busy"
    try:
        last_key, started = f"sampling:last:{host_id}", time.time()
        last = cache.get(last_key)
        if last is not None and started - last < SAMPLE_INTERVAL - INTERVAL_TOLERANCE:
            return "not due"
        cache.set(last_key, started, LAST_SAMPLE_TTL)
        sample_host(host)
        return "sampled"
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)
