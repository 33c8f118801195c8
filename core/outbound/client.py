"""`fetch`: the one HTTP client for every request Cockpit sends out.

Per request it:
1. parses the URL (http/https only, no credentials in it);
2. resolves the host ONCE and checks every address against the organisation's policy;
3. connects to a vetted address directly (urllib3 pool on the IP, so nothing resolves the name
   again: no TOCTOU, no DNS rebinding), while the Host header, TLS SNI and certificate
   verification use the name from the URL;
4. applies one deadline to the whole exchange (resolution, connect, headers, body);
5. reads at most `max_response_bytes` of the body.

Redirects: none are followed unless the caller passes `max_redirects` (webhooks pass 0, as the
original did). A followed redirect goes through steps 1-5 again, so it can never lead into a
private range; https -> http is refused, and caller headers are dropped when the origin
changes. When the limit is reached the 3xx response itself is returned.

Environment proxies are ignored on purpose: a proxy would resolve the name itself.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from core.outbound.addresses import IPAddress
from core.outbound.errors import (
    ConnectionFailed,
    ConnectionRefused,
    OutboundError,
    OutboundTimeout,
    RedirectRefused,
    ResponseTooLarge,
    TLSError,
)
from core.outbound.policy import Policy, vet
from core.outbound.resolver import Resolver, system_resolver
from core.outbound.targets import Target, parse_target

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HEADERS_KEPT_ACROSS_ORIGINS = frozenset({"accept", "content-type", "user-agent"})
CHUNK = 16 * 1024


@dataclass
class OutboundResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    url: str  # the URL that answered (after any followed redirect)
    elapsed_ms: int
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        if self.truncated:
            raise ValueError("the response body was truncated")
        return json.loads(self.body)


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise OutboundTimeout(self.seconds)
        return left


def _pool(target: Target, address: IPAddress, ca_bundle: str | None, verify_tls: bool = True):
    common = {"host": str(address), "port": target.port, "maxsize": 1, "retries": False}
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(**common)
    name = None if target.literal is not None else target.host
    if not verify_tls:
        return urllib3.HTTPSConnectionPool(
            **common, cert_reqs="CERT_NONE", server_hostname=name, assert_hostname=False
        )
    return urllib3.HTTPSConnectionPool(
        **common,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_bundle or settings.OUTBOUND_CA_BUNDLE or certifi.where(),
        server_hostname=name,
        assert_hostname=name,
    )


def _connection_error(exc: Exception) -> OutboundError:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(exc):
        return ConnectionRefused()
    if isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError):
        return ConnectionFailed("Connection timed out")
    reason = getattr(cause, "strerror", None) or "network error"
    return ConnectionFailed(f"Connection failed: {reason}")


def _tls_error(exc: SSLError) -> TLSError:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return TLSError("TLS error: certificate verify failed")
    if "hostname" in text.lower() and "match" in text.lower():
        return TLSError("TLS error: certificate does not match the host name")
    return TLSError("TLS error: handshake failed")


def _read_body(response, deadline: _Deadline, limit: int, truncate: bool) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        sock = getattr(getattr(response, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(deadline.remaining())
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > limit:
            if not truncate:
                raise ResponseTooLarge(limit)
            chunks.append(chunk[: len(chunk) - (size - limit)])
            return b"".join(chunks), True
        chunks.append(chunk)


def _send_once(target, addresses, method, headers, body, deadline, options) -> tuple:
    wire_headers = {**headers, "Host": target.host_header}
    last_error: OutboundError = ConnectionFailed()
    for address in addresses:  # every one vetted; try the next only if this one cannot connect
        pool = _pool(target, address, options["ca_bundle"], options["verify_tls"])
        try:
            remaining = deadline.remaining()
            timeout = urllib3.Timeout(
                connect=min(options["connect_timeout"], remaining), read=remaining
            )
            response = pool.urlopen(
                method,
                target.path,
                body=body,
                headers=wire_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
                timeout=timeout,
            )
            try:
                data, truncated = _read_body(
                    response, deadline, options["max_response_bytes"], options["truncate"]
                )
            finally:
                response.release_conn()
            return response, data, truncated
        except (NewConnectionError, ConnectTimeoutError) as exc:
            last_error = _connection_error(exc)
            continue
        except SSLError as exc:
            raise _tls_error(exc) from None
        except (ReadTimeoutError, TimeoutError):
            raise OutboundTimeout(deadline.seconds) from None
        except ProtocolError as exc:
            cause = exc.args[1] if len(exc.args) > 1 else None
            if isinstance(cause, TimeoutError):
                raise OutboundTimeout(deadline.seconds) from None
            raise ConnectionFailed("Connection failed: connection closed by the server") from None
        except HTTPError:
            raise ConnectionFailed("Connection failed: invalid HTTP response") from None
        finally:
            pool.close()
    if deadline.ends <= time.monotonic():
        raise OutboundTimeout(deadline.seconds)
    raise last_error


def _next_hop(method: str, status: int, body, headers: dict, current: Target, location: str):
    """(method, body, headers) for following a redirect, as browsers do."""
    next_target = parse_target(location)
    if current.scheme == "https" and next_target.scheme == "http":
        raise RedirectRefused("Redirect from https to http refused")
    if status == 303 or (status in (301, 302) and method == "POST"):
        method, body = "GET", None
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if next_target.origin != current.origin:
        headers = {k: v for k, v in headers.items() if k.lower() in HEADERS_KEPT_ACROSS_ORIGINS}
    return method, body, headers


def fetch(
    method: str,
    url: str,
    *,
    policy: Policy,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float | None = None,
    connect_timeout: float | None = None,
    max_redirects: int = 0,
    max_response_bytes: int | None = None,
    truncate: bool = False,
    resolver: Resolver | None = None,
    ca_bundle: str | None = None,
    verify_tls: bool = True,
) -> OutboundResponse:
    """Send one request under `policy` (see core.outbound.policy_for_org).

    `timeout` bounds the whole exchange (default OUTBOUND_TIMEOUT); `connect_timeout` each
    connection attempt. A body over `max_response_bytes` (default OUTBOUND_MAX_RESPONSE_BYTES)
    raises ResponseTooLarge, or with `truncate=True` is cut and flagged. `verify_tls=False`
    skips certificate checks (only for operator-configured probes with STRICT_TLS=false). Raises an
    OutboundError subclass on any failure; an HTTP error status is a response, not an error.
    """
    deadline = _Deadline(timeout if timeout is not None else settings.OUTBOUND_TIMEOUT)
    options = {
        "connect_timeout": connect_timeout or settings.OUTBOUND_CONNECT_TIMEOUT,
        "max_response_bytes": max_response_bytes or settings.OUTBOUND_MAX_RESPONSE_BYTES,
        "truncate": truncate,
        "ca_bundle": ca_bundle,
        "verify_tls": verify_tls,
    }
    method = method.upper()
    headers = {"User-Agent": settings.OUTBOUND_USER_AGENT, **(headers or {})}
    started = time.monotonic()
    redirects: list[str] = []
    while True:
        target = parse_target(url)
        addresses = vet(target, policy, resolver or system_resolver, deadline.remaining())
        response, data, truncated = _send_once(
            target, addresses, method, headers, body, deadline, options
        )
        location = response.headers.get("Location")
        if response.status in REDIRECT_STATUSES and location and len(redirects) < max_redirects:
            next_url = urljoin(url, location)
            method, body, headers = _next_hop(
                method, response.status, body, headers, target, next_url
            )
            redirects.append(next_url)
            url = next_url
            continue
        return OutboundResponse(
            status=response.status,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=data,
            url=url,
            elapsed_ms=round((time.monotonic() - started) * 1000),
            truncated=truncated,
            redirects=redirects,
        )
