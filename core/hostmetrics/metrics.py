"""SystemMetrics (spec Appendix A.1) for the host Cockpit runs on."""

from pathlib import Path

from django.conf import settings

from core.hostmetrics import procfs
from core.hostmetrics.cpu import cpu_percent
from core.hostmetrics.disk import disk_usage


def system_metrics(proc_path: str | None = None, disk_path: str | None = None) -> dict:
    proc = Path(proc_path or settings.PROC_PATH)
    return {
        "hostname": procfs.hostname(proc),
        "cpuPercent": cpu_percent(proc),
        "cpuCount": procfs.cpu_count(proc),
        "memory": procfs.memory(proc),
        "disk": disk_usage(disk_path or settings.HOST_DISK_PATH),
        "load": procfs.load(proc),
        "uptimeSeconds": procfs.uptime_seconds(proc),
    }
