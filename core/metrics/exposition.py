"""Cockpit's own metric families in the Prometheus text format (spec §5).

The sixteen families of the original keep their names and meaning; as Cockpit watches several
hosts of several organisations, every series carries `host` and `org` labels (the host's and
organisation's slugs). Then per-container figures, snapshot times, active alerts, Celery queue
depth and open streams. All gauges; every family has HELP and TYPE and is followed by a blank
line. Label values are sanitised the way the original did (names keep `[A-Za-z0-9_-]`, images
`[A-Za-z0-9_./:@-]`, anything else becomes `_`), so no escaping is ever needed.
"""

import math
import re
from dataclasses import dataclass, field

from core.sampling.snapshots import Snapshot

NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
IMAGE_UNSAFE = re.compile(r"[^A-Za-z0-9_./:@-]")


def clean_name(value) -> str:
    return NAME_UNSAFE.sub("_", str(value or ""))


def clean_image(value) -> str:
    return IMAGE_UNSAFE.sub("_", str(value or ""))


@dataclass
class Family:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)
    omit_when_empty: bool = False

    def add(self, labels: dict[str, str], value) -> None:
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
            self.samples.append((labels, value))

    def render(self) -> str:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        for labels, value in self.samples:
            label_text = ",".join(f'{key}="{val}"' for key, val in labels.items())
            lines.append(f"{self.name}{{{label_text}}} {_number(value)}" if labels else
                         f"{self.name} {_number(value)}")  # fmt: skip
        return "\n".join(lines) + "\n"


def _number(value) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


# (family, help, path into SystemMetrics)
HOST_FAMILIES = [
    ("cockpit_cpu_percent", "Host CPU usage in percent", ("cpuPercent",)),
    ("cockpit_memory_used_bytes", "Host memory in use in bytes", ("memory", "used")),
    ("cockpit_memory_total_bytes", "Host memory in bytes", ("memory", "total")),
    ("cockpit_memory_percent", "Host memory usage in percent", ("memory", "percent")),
    ("cockpit_disk_used_bytes", "Host disk space in use in bytes", ("disk", "used")),
    ("cockpit_disk_total_bytes", "Host disk space in bytes", ("disk", "total")),
    ("cockpit_disk_percent", "Host disk usage in percent", ("disk", "percent")),
    ("cockpit_load_1m", "Host load average over 1 minute", ("load", "load1")),
    ("cockpit_load_5m", "Host load average over 5 minutes", ("load", "load5")),
    ("cockpit_load_15m", "Host load average over 15 minutes", ("load", "load15")),
    ("cockpit_uptime_seconds", "Host uptime in seconds", ("uptimeSeconds",)),
    ("cockpit_cpu_count", "Host processor count", ("cpuCount",)),
]

# (family, help, container field)
CONTAINER_FIGURES = [
    ("cockpit_container_cpu_percent", "Container CPU usage in percent", "cpuPercent"),
    ("cockpit_container_memory_usage_bytes", "Container memory in use in bytes", "memoryUsage"),
    ("cockpit_container_memory_limit_bytes", "Container memory limit in bytes", "memoryLimit"),
    ("cockpit_container_network_rx_bytes", "Container bytes received", "networkRx"),
    ("cockpit_container_network_tx_bytes", "Container bytes sent", "networkTx"),
    (
        "cockpit_container_restart_count",
        "Container restarts reported by the engine",
        "restartCount",
    ),
]


def _dig(metrics: dict, path: tuple[str, ...]):
    value = metrics
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def host_families(snapshots: list[Snapshot]) -> list[Family]:
    families = {name: Family(name, help_text) for name, help_text, _ in HOST_FAMILIES}
    running = Family("cockpit_containers_running", "Containers running")
    stopped = Family("cockpit_containers_stopped", "Containers not running")
    total = Family("cockpit_containers_total", "Containers on the host")
    per_container = Family(
        "cockpit_container_running", "1 if the container is running, else 0", omit_when_empty=True
    )
    figures = {name: Family(name, help_text, omit_when_empty=True)
               for name, help_text, _ in CONTAINER_FIGURES}  # fmt: skip
    sampled = Family(
        "cockpit_host_snapshot_timestamp_seconds", "When the host was last sampled (Unix time)"
    )
    for snapshot in snapshots:
        where = {"host": clean_name(snapshot.host_slug), "org": clean_name(snapshot.org_slug)}
        for name, _, path in HOST_FAMILIES:
            families[name].add(where, _dig(snapshot.metrics, path))
        is_running = [c.get("state") == "running" for c in snapshot.containers]
        running.add(where, sum(is_running))
        stopped.add(where, len(is_running) - sum(is_running))
        total.add(where, len(is_running))
        sampled.add(where, snapshot.sampled_at.timestamp())
        for container, up in zip(snapshot.containers, is_running, strict=True):
            name = clean_name(container.get("name"))
            labels = {"name": name, "image": clean_image(container.get("image")), **where}
            per_container.add(labels, int(up))
            for family_name, _, key in CONTAINER_FIGURES:
                figures[family_name].add({"name": name, **where}, container.get(key))
    return [*families.values(), running, stopped, total, per_container, *figures.values(), sampled]


def alert_family(by_org: dict[str, dict[str, int]]) -> Family:
    family = Family("cockpit_alerts_active", "Alerts firing and not yet resolved, by severity")
    for org, severities in sorted(by_org.items()):
        for severity, count in sorted(severities.items()):
            family.add({"org": clean_name(org), "severity": clean_name(severity)}, count)
    return family


def queue_family(depths: dict[str, int]) -> Family:
    family = Family("cockpit_celery_queue_length", "Tasks waiting in the broker, per queue")
    for queue, depth in sorted(depths.items()):
        family.add({"queue": clean_image(queue)}, depth)
    return family


def stream_family(open_streams: int) -> Family:
    family = Family("cockpit_sse_clients", "Open /api/stream connections of this web process")
    family.add({}, open_streams)
    return family


def render(families: list[Family]) -> str:
    """Families separated by blank lines, with a trailing newline."""
    shown = [family for family in families if family.samples or not family.omit_when_empty]
    return "\n".join(family.render() for family in shown)
