"""Engine-level calls: reachability."""

import time

from core.docker.clients import client_for, forget
from core.docker.errors import UNREACHABLE, DockerAPIError
from core.docker.host_calls import engine
from core.hosts.models import DockerHost


def ping(base_url: str, timeout: float, tls: dict | None = None) -> bool:
    """True when the engine at `base_url` answers `/_ping` within `timeout` seconds; `tls`
    ({ca, cert, key} PEM text) for an engine that only speaks mutually authenticated TLS."""
    try:
        return bool(client_for(base_url, timeout, tls).ping())
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


def host_answers(host: DockerHost, timeout: float) -> bool:
    try:
        check_host(host, timeout)
    except DockerAPIError:
        return False
    return True
