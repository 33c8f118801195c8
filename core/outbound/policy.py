"""The private-network policy and the check every outbound request passes before connecting.

`vet(target, policy, resolver, timeout)` resolves the host once and returns the addresses the
client may connect to, or raises BlockedTarget when the name or ANY of its addresses is refused
(one private answer among public ones is enough: the client might be steered to it).
"""

import ipaddress
import logging
import re
from dataclasses import dataclass

from django.conf import settings

from core.outbound.addresses import (
    IPAddress,
    Verdict,
    comparable,
    judge_address,
    judge_name,
)
from core.outbound.errors import BlockedTarget, OutboundTimeout, ResolutionFailed
from core.outbound.resolver import Resolver, system_resolver
from core.outbound.targets import Target, parse_target

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Policy:
    """What one organisation's outbound requests may reach besides public addresses."""

    allow_private: bool = False
    allowed_networks: tuple[Network, ...] = ()

    def permits(self, address: IPAddress) -> tuple[bool, str]:
        judgement = judge_address(address)
        if judgement.verdict is Verdict.PUBLIC:
            return True, judgement.reason
        if judgement.verdict is Verdict.FORBIDDEN:
            return False, judgement.reason
        if self.allow_private:
            return True, judgement.reason
        candidate = comparable(address)
        allowed = any(
            candidate.version == network.version and candidate in network
            for network in self.allowed_networks
        )
        return allowed, judgement.reason

    def permits_name(self, host: str) -> tuple[bool, str]:
        judgement = judge_name(host)
        if judgement is None or judgement.verdict is Verdict.PUBLIC:
            return True, ""
        if judgement.verdict is Verdict.FORBIDDEN:
            return False, judgement.reason
        # A loopback name is as private as the loopback addresses it resolves to.
        return self.allow_private, judgement.reason


STRICT = Policy()


def parse_networks(text: str | list | tuple) -> tuple[Network, ...]:
    items = re.split(r"[\s,]+", text) if isinstance(text, str) else list(text)
    networks = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not a network in CIDR notation") from None
    return tuple(networks)


def default_policy() -> Policy:
    return Policy(
        allow_private=settings.OUTBOUND_ALLOW_PRIVATE,
        allowed_networks=parse_networks(settings.OUTBOUND_ALLOWED_NETWORKS),
    )


def policy_for_org(org_id: int | None) -> Policy:
    """The organisation's policy: its OutboundPolicy row, else the environment defaults."""
    from core.outbound.models import OutboundPolicy

    row = OutboundPolicy.objects.filter(org_id=org_id).first() if org_id else None
    if row is None:
        return default_policy()
    try:
        networks = parse_networks(row.allowed_networks)
    except ValueError:
        log.error("Outbound policy of org %s has invalid networks; ignoring them", org_id)
        networks = ()
    return Policy(allow_private=row.allow_private, allowed_networks=networks)


def _refuse(target: Target, reason: str) -> BlockedTarget:
    log.warning("Outbound request to %s refused: %s", target.display, reason)
    return BlockedTarget(reason)


def vet(target: Target, policy: Policy, resolver: Resolver, timeout: float) -> list[IPAddress]:
    """The addresses of `target` the client may connect to (all of its addresses, in resolver
    order), resolving once. Raises BlockedTarget, ResolutionFailed or OutboundTimeout."""
    if target.literal is not None:
        candidates = [target.literal]
    else:
        allowed, reason = policy.permits_name(target.host)
        if not allowed:
            raise _refuse(target, reason)
        candidates = []
        for text in resolver(target.host, target.port, timeout):
            try:
                candidates.append(ipaddress.ip_address(text))
            except ValueError:
                raise ResolutionFailed(target.host) from None
        if not candidates:
            raise ResolutionFailed(target.host)
    for address in candidates:
        allowed, reason = policy.permits(address)
        if not allowed:
            raise _refuse(target, reason)
    return candidates


def check_url(
    url: object,
    policy: Policy,
    *,
    resolve: bool = True,
    resolver: Resolver | None = None,
    timeout: float = 3.0,
) -> Target:
    """Validate a URL when it is saved: parse it, judge its literal or name, and (with
    `resolve`) its current addresses. A name that does not resolve yet is accepted; the check
    that matters runs again at send time. Raises the OutboundError of the first problem."""
    target = parse_target(url)
    if target.literal is None and not resolve:
        allowed, reason = policy.permits_name(target.host)
        if not allowed:
            raise _refuse(target, reason)
        return target
    try:
        vet(target, policy, resolver or system_resolver, timeout)
    except (ResolutionFailed, OutboundTimeout):
        log.info("Could not resolve %s now; it is checked again at send time", target.display)
    return target
