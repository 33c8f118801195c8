"""Cockpit refuses destructive actions on the container it runs in, whichever way it is named:
full id, any unique id prefix of at least 12 characters, or name (spec §14.11)."""

import functools
import re
from pathlib import Path

from django.conf import settings
from rest_framework.exceptions import PermissionDenied

from core.docker.errors import DockerAPIError
from core.docker.host_calls import engine
from core.hosts.models import DockerHost

SELF_ACTION_REFUSED = "Cannot perform this action on the Cockpit API container"
SHORT_ID_LENGTH = 12
_FULL_ID = re.compile(r"[0-9a-f]{64}")
# The engine bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf from the container's
# own directory, which is named after its full id; cgroup paths name it too (v1, or v2 hosts).
_MOUNTINFO_ID = re.compile(r"/containers/([0-9a-f]{64})/(?:hostname|hosts|resolv\.conf)")
_CGROUP_ID = re.compile(r"(?:docker[/-]|/)([0-9a-f]{64})(?:\.scope)?\s*$")


class SelfActionRefused(PermissionDenied):
    default_detail = SELF_ACTION_REFUSED


@functools.cache
def _detected_id(proc: str = "/proc/self") -> str:
    for name, pattern in (("mountinfo", _MOUNTINFO_ID), ("cgroup", _CGROUP_ID)):
        try:
            text = Path(proc, name).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            match = pattern.search(line)
            if match:
                return match.group(1)
    return ""


def own_container_id() -> str:
    """The id (or name) of the container running Cockpit; "" when not in a container."""
    return settings.COCKPIT_CONTAINER_ID.strip() or _detected_id()


def _is_us(info: dict, own: str) -> bool:
    container_id, name = info["Id"], (info.get("Name") or "").lstrip("/")
    own = own.lstrip("/")
    return own in (container_id, name) or (
        len(own) >= SHORT_ID_LENGTH and container_id.startswith(own)
    )


def is_self(host: DockerHost, reference: str) -> bool:
    """True when `reference` names the container Cockpit runs in. Anything but our own id or
    a prefix of it is resolved by the engine, so names and short prefixes are caught too."""
    own = own_container_id()
    if not own:
        return False
    if reference.lstrip("/") == own.lstrip("/") or (
        len(reference) >= SHORT_ID_LENGTH and own.startswith(reference)
    ):
        return True
    try:
        with engine(host) as client:
            info = client.api.inspect_container(reference)
    except DockerAPIError:  # no such container, or the engine is down: the action will say so
        return False
    return _is_us(info, own)


def refuse_self(host: DockerHost, reference: str) -> None:
    if is_self(host, reference):
        raise SelfActionRefused()


def refuse_self_by_inspect(info: dict) -> None:
    """The same check for a caller that already inspected the target."""
    own = own_container_id()
    if own and _is_us(info, own):
        raise SelfActionRefused()
