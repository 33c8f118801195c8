"""Parsing an outbound URL into what the client connects to and what it says on the wire."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from core.outbound.addresses import IPAddress, parse_ip_literal
from core.outbound.errors import CredentialsInURL, InvalidURL, UnsupportedScheme

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # IDNA-encoded name, or the canonical text of an IP literal
    port: int
    path: str  # path and query, as sent on the request line
    literal: IPAddress | None  # set when the host is an IP literal (in any form)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def display(self) -> str:
        """Scheme, host and port only: safe for logs (paths and queries may hold tokens)."""
        return f"{self.scheme}://{self.host_header}"


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidURL() from None


def parse_target(url: object) -> Target:
    """Raises InvalidURL, UnsupportedScheme or CredentialsInURL."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_LENGTH:
        raise InvalidURL()
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url.strip()):
        raise InvalidURL()  # whitespace or control characters: header/request-line injection
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidURL() from None
    if not parts.scheme:
        raise InvalidURL()
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsupportedScheme()
    if not parts.netloc or not parts.hostname or port == 0:
        raise InvalidURL()
    if parts.username is not None or parts.password is not None:
        raise CredentialsInURL()
    literal = parse_ip_literal(parts.hostname)
    host = literal.compressed if literal is not None else _idna(parts.hostname.rstrip("."))
    if not host:
        raise InvalidURL()
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        path=path,
        literal=literal,
    )
