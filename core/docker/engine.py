"""Engine-level calls: reachability."""

import time

from core.docker.clients import client_for, forget
from core.docker.errors import UNREACHABLE, DockerAPIError
from core.docker.host_calls import engine
from core.hosts.models import DockerHost


def ping(base_url: str, timeout: float) -> bool:
    """True when the engine at `base_url` answers `/_ping` within `timeout` seconds (a host
    with a TLS identity: check_host)."""
    try:
        return bool(client_for(base_url, timeout).ping())
    except UNREACHABLE:
        forget(base_url)  # the negotiated API version is pinned; renegotiate next time
        return False


def check_host(host: DockerHost, timeout: float) -> float:
    """Seconds the engine of a local or tcp host (with its TLS identity) took to answer
    `/_ping`; raises the API error saying why it did not (503, or 502 for a failed TLS
    handshake)."""
    started = time.monotonic()
    try:
        with engine(host, timeout=timeout) as client:
            client.ping()
    except DockerAPIError:
        forget(host.base_url)
        raise
    return time.monotonic() - started
