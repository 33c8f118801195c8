"""`GET /api/ssl`: the TLS certificate each configured host presents, and when it expires.

One TLS handshake per host (SNI with the configured name, no chain or name verification: an
expired or self-signed certificate must still be read), all hosts at once, TIMEOUT_SECONDS for
resolution, connection and handshake together. The address is resolved once and vetted by the
outbound policy (core.outbound.policy.vet), then connected to directly.

Result per host (spec §3.2): `{domain, valid, daysRemaining, expiresAt, issuer, subject}`,
`valid` = daysRemaining > 0 (whole days, rounded down), `issuer` = the issuer's O, else its CN,
`subject` = the subject's CN, else its O. Failures: `{domain, valid: false, error}` with
"No certificate found", "Connection timed out" or the socket's message.
"""

import math
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

from core.outbound import OutboundError, OutboundTimeout, Policy
from core.outbound.policy import vet
from core.outbound.resolver import system_resolver
from core.outbound.targets import parse_target
from core.probes.config import Domain

TIMEOUT_SECONDS = 5.0
MAX_PARALLEL = 16
NO_CERTIFICATE = "No certificate found"
TIMED_OUT = "Connection timed out"
INVALID_PORT = "Invalid port"
DAY_SECONDS = 86400


def _name_part(name: x509.Name, *oids) -> str | None:
    for oid in oids:
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return None


def describe(der: bytes, domain: str, now: datetime | None = None) -> dict:
    certificate = x509.load_der_x509_certificate(der)
    expires = certificate.not_valid_after_utc
    now = now or datetime.now(UTC)
    days = math.floor((expires - now).total_seconds() / DAY_SECONDS)
    return {
        "domain": domain,
        "valid": days > 0,
        "daysRemaining": days,
        "expiresAt": expires.isoformat().replace("+00:00", "Z"),
        "issuer": _name_part(certificate.issuer, NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME),
        "subject": _name_part(certificate.subject, NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME),
    }


def _failure(domain: str, error: str) -> dict:
    return {"domain": domain, "valid": False, "error": error}


def _context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # read any certificate; verification is not the point
    return context


def _peer_certificate(address: str, port: int, server_name: str | None, deadline: float):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    with socket.create_connection((address, port), timeout=left) as raw:
        raw.settimeout(max(deadline - time.monotonic(), 0.001))
        with _context().wrap_socket(raw, server_hostname=server_name) as tls:
            return tls.getpeercert(binary_form=True)


def _first_answer(addresses, port: int, server_name: str | None, deadline: float):
    """The certificate from the first address that accepts a connection (a name may resolve
    to an IPv6 address nobody listens on before the IPv4 one that answers)."""
    for index, address in enumerate(addresses):
        try:
            return _peer_certificate(str(address), port, server_name, deadline)
        except OSError as exc:
            if isinstance(exc, TimeoutError | ssl.SSLError) or index == len(addresses) - 1:
                raise
    return None


def _socket_message(exc: OSError) -> str:
    return exc.strerror or str(exc) or exc.__class__.__name__


def check(domain: Domain, policy: Policy, *, timeout: float = TIMEOUT_SECONDS) -> dict:
    if domain.port is None:
        return _failure(domain.entry, INVALID_PORT)
    deadline = time.monotonic() + timeout
    host = f"[{domain.host}]" if ":" in domain.host else domain.host
    try:
        target = parse_target(f"https://{host}:{domain.port}/")
        addresses = vet(target, policy, system_resolver, timeout)
        server_name = None if target.literal is not None else target.host  # SNI: names only
        der = _first_answer(addresses, target.port, server_name, deadline)
    except OutboundTimeout:
        return _failure(domain.entry, TIMED_OUT)
    except OutboundError as exc:
        return _failure(domain.entry, exc.message)
    except TimeoutError:
        return _failure(domain.entry, TIMED_OUT)
    except ssl.SSLError as exc:
        return _failure(domain.entry, exc.reason or _socket_message(exc))
    except OSError as exc:
        return _failure(domain.entry, _socket_message(exc))
    if not der:
        return _failure(domain.entry, NO_CERTIFICATE)
    try:
        return describe(der, domain.entry)
    except ValueError:
        return _failure(domain.entry, NO_CERTIFICATE)


def check_all(
    domains: list[Domain], policy: Policy, *, timeout: float = TIMEOUT_SECONDS
) -> list[dict]:
    """Every host in parallel, results in configuration order."""
    if not domains:
        return []
    with ThreadPoolExecutor(min(MAX_PARALLEL, len(domains))) as pool:
        return list(pool.map(lambda domain: check(domain, policy, timeout=timeout), domains))
