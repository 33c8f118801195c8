"""`TenantAPIView.get_host()` without a database round trip per request, for hot read paths.

The host an organisation's request names (`?host=<slug>`, else its default) is remembered per
process for TTL_SECONDS. A host saved or deleted through the ORM clears this process's memory
at once; other processes (and bulk `.update()`s, which send no signal) see the change within
TTL_SECONDS. That window is in line with the rest of the hot path: the caller's role and
organisation come from an access token that stays valid for up to 15 minutes anyway.
Unknown hosts are not remembered (a 404 keeps asking the database).
"""

import threading
import time

from django.db.models.signals import post_delete, post_save

from core.api.base import HostNotFound
from core.hosts.models import DockerHost

TTL_SECONDS = 5.0

_hosts: dict[tuple[int, str | None], tuple[float, DockerHost]] = {}
_lock = threading.Lock()


def cached(org_id: int, slug: str | None) -> DockerHost | None:
    """The remembered host, or None (never a database query: safe on the event loop)."""
    entry = _hosts.get((org_id, slug or None))
    if entry is not None and time.monotonic() - entry[0] < TTL_SECONDS:
        return entry[1]
    return None


def host_for(org_id: int, slug: str | None) -> DockerHost:
    """The organisation's host named `slug` (its default when empty); HostNotFound (404)."""
    host = cached(org_id, slug)
    if host is not None:
        return host
    now = time.monotonic()
    hosts = DockerHost.objects.filter(org_id=org_id)
    host = hosts.filter(slug=slug).first() if slug else hosts.filter(is_default=True).first()
    if host is None:
        raise HostNotFound()
    with _lock:
        _hosts[(org_id, slug or None)] = (now, host)
    return host


def forget(*args, **kwargs) -> None:
    with _lock:
        _hosts.clear()


post_save.connect(forget, sender=DockerHost, dispatch_uid="containers.host_cache.saved")
post_delete.connect(forget, sender=DockerHost, dispatch_uid="containers.host_cache.deleted")
