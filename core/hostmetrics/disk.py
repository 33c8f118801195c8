"""Disk figures of one mount (HOST_DISK_PATH), read with statvfs — the same numbers `df`
prints, without running it."""

import os


def disk_usage(mountpoint: str) -> dict:
    """Bytes; `free` is what unprivileged users can still write, `percent` is df's Use%
    (used / (used + free)). On a read failure: zeros and no `mountpoint`."""
    try:
        stats = os.statvfs(mountpoint)
    except OSError:
        return {"total": 0, "used": 0, "free": 0, "percent": 0}
    total = stats.f_blocks * stats.f_frsize
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    free = stats.f_bavail * stats.f_frsize
    usable = used + free
    return {
        "total": total,
        "used": used,
        "free": free,
        "percent": round(used / usable * 100, 2) if usable else 0,
        "mountpoint": mountpoint,
    }
