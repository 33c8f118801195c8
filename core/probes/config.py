"""What to probe: the ENDPOINTS and SSL_DOMAINS lists, parsed in one place.

Formats (spec §1, kept): ENDPOINTS is `Name|URL|ExpectedStatus` entries separated by `,`
(the status defaults to 200); SSL_DOMAINS is comma-separated host names, port 443 — a
`host:port` entry names another port. Both lists are platform configuration written by the
operator, so their probes may reach private addresses (PLATFORM_POLICY); a list an
organisation configures itself must be probed under `core.outbound.policy_for_org(org_id)`
instead. The parsers take text so any source (settings today, an organisation's setting
later) goes through the same code.
"""

from dataclasses import dataclass

from django.conf import settings

from core.outbound import Policy

DEFAULT_EXPECTED_STATUS = 200
DEFAULT_TLS_PORT = 443
# Private targets allowed: the operator probes their own services. Cloud metadata, unspecified
# and multicast addresses stay refused (core.outbound.addresses).
PLATFORM_POLICY = Policy(allow_private=True)


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    expected: int | None  # None: the configured status is not a number (reported as an error)


@dataclass(frozen=True)
class Domain:
    entry: str  # as configured, reported back as `domain`
    host: str
    port: int | None  # None: the configured port is not a valid port (reported as an error)


def _expected(text: str) -> int | None:
    text = text.strip()
    if not text:
        return DEFAULT_EXPECTED_STATUS
    try:
        status = int(text)
    except ValueError:
        return None
    return status if 100 <= status <= 599 else None


def parse_endpoints(text: str) -> list[Endpoint]:
    """`Name|URL|Status` entries; an entry with only a URL is named after it."""
    endpoints = []
    for entry in (text or "").split(","):
        parts = [part.strip() for part in entry.split("|")]
        if not any(parts):
            continue
        if len(parts) == 1:
            name, url, status = parts[0], parts[0], ""
        else:
            name, url, status = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
        endpoints.append(Endpoint(name=name or url, url=url, expected=_expected(status)))
    return endpoints


def parse_domains(text: str) -> list[Domain]:
    domains = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, port = entry, DEFAULT_TLS_PORT
        if entry.startswith("["):  # [IPv6]:port
            host, _, rest = entry[1:].partition("]")
            port = _port(rest.removeprefix(":")) if rest else DEFAULT_TLS_PORT
        elif entry.count(":") == 1:
            host, _, text_port = entry.partition(":")
            port = _port(text_port)
        domains.append(Domain(entry=entry, host=host.strip().rstrip("."), port=port))
    return domains


def _port(text: str) -> int | None:
    try:
        port = int(text)
    except ValueError:
        return None
    return port if 0 < port < 65536 else None


def platform_endpoints() -> list[Endpoint]:
    return parse_endpoints(settings.ENDPOINTS)


def platform_domains() -> list[Domain]:
    return parse_domains(settings.SSL_DOMAINS)
