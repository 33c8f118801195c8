"""Name resolution with a deadline: getaddrinfo has none, so it runs on a small thread pool.

A resolver is any callable `(host, port, timeout) -> list[str]` of IP address strings. Tests
inject one to produce what real DNS cannot on demand (a public name resolving to 10.x, a
rebinding answer); production always uses `system_resolver`.
"""

import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from core.outbound.errors import OutboundTimeout, ResolutionFailed

Resolver = Callable[[str, int, float], list[str]]

_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None


def _executor() -> ThreadPoolExecutor:
    """One pool per process: a pool inherited through fork (prefork workers) has no threads."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool, _pool_pid = ThreadPoolExecutor(4, thread_name_prefix="outbound-dns"), os.getpid()
    return _pool


def _getaddrinfo(host: str, port: int) -> list[str]:
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(answer[4][0] for answer in answers))


def system_resolver(host: str, port: int, timeout: float) -> list[str]:
    future = _executor().submit(_getaddrinfo, host, port)
    try:
        addresses = future.result(timeout=max(timeout, 0.001))
    except FutureTimeout:
        raise OutboundTimeout(timeout) from None
    except (OSError, UnicodeError):
        raise ResolutionFailed(host) from None
    if not addresses:
        raise ResolutionFailed(host)
    return addresses
