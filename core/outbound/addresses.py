"""Classifying the addresses an outbound request could reach: public, private, or forbidden.

- PUBLIC: globally routable unicast.
- PRIVATE: loopback, RFC 1918, link-local, CGNAT 100.64/10, fc00::/7 and every other
  non-global range. Refused unless the organisation's policy allows private targets.
- FORBIDDEN: refused whatever the policy says: unspecified (0.0.0.0/8, ::; connecting there
  reaches the local machine), multicast, broadcast and reserved 240/4, and the cloud metadata
  endpoints (169.254.169.254, fd00:ec2::254), which hand out instance credentials.

IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d,
NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) are judged by the IPv4 address inside.

Host names are judged twice: by name here (`localhost`, `*.localhost`, metadata names, and IPv4
literals in the decimal/octal/hex/short forms C's inet_aton accepts, such as 2130706433,
0x7f000001, 017700000001 and 127.1), then by every address they resolve to (core.outbound.policy).
"""

import ipaddress
from dataclasses import dataclass
from enum import Enum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Verdict(Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str  # for logs only, e.g. "loopback 127.0.0.1"


METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})
LOOPBACK_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6"}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
RESERVED_V4 = ipaddress.ip_network("240.0.0.0/4")  # includes 255.255.255.255
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def normalise_name(host: str) -> str:
    """Lower case without the trailing dot(s) of a fully qualified name (`localhost.`)."""
    return host.strip().lower().rstrip(".")


def _ipv4_part(text: str) -> int | None:
    if text[:2] in ("0x", "0X"):
        digits, base = text[2:], 16
        if digits == "":
            return 0
    elif len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    if not digits or not digits.isascii() or not digits.isalnum():
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


def parse_ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host string denotes in any inet_aton form, else None (a name)."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]  # one trailing dot, as in a fully qualified name
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """An IPv6 literal (brackets optional) or any IPv4 literal form; None for a host name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return parse_ipv4_literal(text)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _judge_ipv4(address: ipaddress.IPv4Address) -> Judgement:
    if address in METADATA_ADDRESSES:
        return Judgement(Verdict.FORBIDDEN, f"cloud metadata {address}")
    if address in THIS_NETWORK:
        return Judgement(Verdict.FORBIDDEN, f"unspecified {address}")
    if address.is_multicast:
        return Judgement(Verdict.FORBIDDEN, f"multicast {address}")
    if address in RESERVED_V4:
        return Judgement(Verdict.FORBIDDEN, f"reserved {address}")
    if address.is_loopback:
        return Judgement(Verdict.PRIVATE, f"loopback {address}")
    if address.is_link_local:
        return Judgement(Verdict.PRIVATE, f"link-local {address}")
    if address in CGNAT:
        return Judgement(Verdict.PRIVATE, f"shared address space {address}")
    if address.is_private or not address.is_global:
        return Judgement(Verdict.PRIVATE, f"private {address}")
    return Judgement(Verdict.PUBLIC, str(address))


def _judge_ipv6(address: ipaddress.IPv6Address) -> Judgement:
    if address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    if address in METADATA_ADDRESSES:
        return Judgement(Verdict.FORBIDDEN, f"cloud metadata {address}")
    if address.is_unspecified:
        return Judgement(Verdict.FORBIDDEN, f"unspecified {address}")
    if address.is_multicast:
        return Judgement(Verdict.FORBIDDEN, f"multicast {address}")
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        inner = _judge_ipv4(embedded)
        return Judgement(inner.verdict, f"{inner.reason} inside {address}")
    if address.is_loopback:
        return Judgement(Verdict.PRIVATE, f"loopback {address}")
    if address.is_link_local or address.is_site_local:
        return Judgement(Verdict.PRIVATE, f"link-local {address}")
    if address.is_private or not address.is_global:
        return Judgement(Verdict.PRIVATE, f"private {address}")
    return Judgement(Verdict.PUBLIC, str(address))


def judge_address(address: IPAddress) -> Judgement:
    if isinstance(address, ipaddress.IPv4Address):
        return _judge_ipv4(address)
    return _judge_ipv6(address)


def judge_name(host: str) -> Judgement | None:
    """A verdict from the name alone (None: only its addresses can tell)."""
    name = normalise_name(host)
    if name in METADATA_NAMES:
        return Judgement(Verdict.FORBIDDEN, f"cloud metadata name {name}")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return Judgement(Verdict.PRIVATE, f"loopback name {name}")
    return None


def comparable(address: IPAddress) -> IPAddress:
    """The address a network allow-list is matched against (the IPv4 inside a mapped IPv6)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return embedded
    return address
