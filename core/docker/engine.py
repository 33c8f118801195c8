"""Engine-level calls: reachability."""

from core.docker.clients import client_for, forget
from core.docker.errors import UNREACHABLE


def ping(base_url: str, timeout: float) -> bool:
    """True when the engine at `base_url` answers `/_ping` within `timeout` seconds."""
    try:
        return bool(client_for(base_url, timeout).ping())
    except UNREACHABLE:
        forget(base_url)  # version="auto" pins the negotiated API; renegotiate next time
        return False
