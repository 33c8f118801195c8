"""Readers for the procfs files SystemMetrics needs. Each one falls back to zeros on error, so a
missing or odd file never fails the whole report."""

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CpuTimes:
    busy: int
    total: int


def _read(proc: Path, name: str) -> str | None:
    try:
        return (proc / name).read_text()
    except OSError as exc:
        log.debug("cannot read %s/%s: %s", proc, name, exc)
        return None


def cpu_times(proc: Path) -> CpuTimes | None:
    """The aggregate `cpu` line of stat: busy = total - idle - iowait over the first eight
    fields (user nice system idle iowait irq softirq steal)."""
    text = _read(proc, "stat")
    for line in (text or "").splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            try:
                values = [int(value) for value in fields[1:9]]
            except ValueError:
                return None
            values += [0] * (8 - len(values))
            total = sum(values)
            return CpuTimes(busy=total - values[3] - values[4], total=total)
    return None


def memory(proc: Path) -> dict:
    """Bytes. `free` is what is available to programs (MemAvailable, else free + buffers +
    cached); used = total - available."""
    fields: dict[str, int] = {}
    for line in (_read(proc, "meminfo") or "").splitlines():
        name, _, rest = line.partition(":")
        try:
            fields[name.strip()] = int(rest.split()[0]) * 1024
        except (IndexError, ValueError):
            continue
    total = fields.get("MemTotal", 0)
    if "MemAvailable" in fields:
        available = fields["MemAvailable"]
    else:
        available = sum(fields.get(name, 0) for name in ("MemFree", "Buffers", "Cached"))
    used = max(total - available, 0)
    return {
        "total": total,
        "used": used,
        "free": available,
        "percent": round(used / total * 100, 2) if total else 0,
    }


def load(proc: Path) -> dict:
    parts = (_read(proc, "loadavg") or "").split()
    try:
        load1, load5, load15 = (float(value) for value in parts[:3])
    except ValueError:
        load1 = load5 = load15 = 0.0
    return {"load1": load1, "load5": load5, "load15": load15}


def uptime_seconds(proc: Path) -> int:
    parts = (_read(proc, "uptime") or "").split()
    try:
        return int(float(parts[0]))
    except (IndexError, ValueError):
        return 0


def cpu_count(proc: Path) -> int:
    text = _read(proc, "cpuinfo") or ""
    return max(sum(1 for line in text.splitlines() if line.split(":")[0].strip() == "processor"), 1)


def hostname(proc: Path) -> str:
    return (_read(proc, "sys/kernel/hostname") or "").strip() or "unknown"
