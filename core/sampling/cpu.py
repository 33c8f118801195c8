"""Container CPU % (spec Appendix A.3) from one-shot stats and the previous reading.

A one-shot reading carries the cumulative CPU time of the container and of the whole system;
the percentage is the share of the system's CPU time the container used between two readings:
Δcontainer / Δsystem * online CPUs * 100, 2 dp. The sampler keeps each container's previous
reading (in the cache, per host) so the delta spans the 15 s between samples, not the one
second the engine would otherwise block for.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class CpuReading:
    container: int  # cpu_stats.cpu_usage.total_usage (ns)
    system: int  # cpu_stats.system_cpu_usage (ns)
    cpus: int  # online CPUs

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, value) -> "CpuReading | None":
        try:
            return cls(int(value["container"]), int(value["system"]), int(value["cpus"]))
        except (KeyError, TypeError, ValueError):
            return None


def _reading(block: dict | None, fallback_cpus: int = 1) -> CpuReading | None:
    block = block or {}
    usage = block.get("cpu_usage") or {}
    container, system = usage.get("total_usage"), block.get("system_cpu_usage")
    if not isinstance(container, int) or not isinstance(system, int) or system <= 0:
        return None
    cpus = block.get("online_cpus") or len(usage.get("percpu_usage") or []) or fallback_cpus
    return CpuReading(container=container, system=system, cpus=int(cpus))


def reading_of(raw: dict) -> CpuReading | None:
    """The current reading of one engine stats document (None for a stopped container)."""
    return _reading(raw.get("cpu_stats"))


def engine_previous(raw: dict) -> CpuReading | None:
    """The engine's own earlier reading (`precpu_stats`): filled by a blocking stats call,
    empty on a one-shot call."""
    return _reading(raw.get("precpu_stats"))


def cpu_percent(current: CpuReading | None, previous: CpuReading | None) -> float | None:
    """None when there is nothing to compare with (first sighting); 0.0 when either counter
    did not advance (idle container, or counters reset by a restart)."""
    if current is None or previous is None:
        return None
    container_delta = current.container - previous.container
    system_delta = current.system - previous.system
    if container_delta <= 0 or system_delta <= 0:
        return 0.0
    return round(container_delta / system_delta * current.cpus * 100, 2)
