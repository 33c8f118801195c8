"""Outbound HTTP: the one way Cockpit talks to URLs users configure (webhooks, integrations,
uptime probes, chat). Callers use:

    from core.outbound import fetch, policy_for_org, OutboundError
    response = fetch("POST", url, policy=policy_for_org(org_id), headers=..., body=...)

and `check_url(url, policy)` to validate a URL when it is saved. See client.py for what a
request goes through and policy.py / addresses.py for the private-network policy.
"""

from core.outbound.client import OutboundResponse, fetch
from core.outbound.errors import (
    BlockedTarget,
    ConnectionFailed,
    ConnectionRefused,
    CredentialsInURL,
    InvalidURL,
    OutboundError,
    OutboundTimeout,
    RedirectRefused,
    ResolutionFailed,
    ResponseTooLarge,
    TLSError,
    UnsupportedScheme,
)
from core.outbound.policy import STRICT, Policy, check_url, default_policy, policy_for_org

__all__ = [
    "STRICT",
    "BlockedTarget",
    "ConnectionFailed",
    "ConnectionRefused",
    "CredentialsInURL",
    "InvalidURL",
    "OutboundError",
    "OutboundResponse",
    "OutboundTimeout",
    "Policy",
    "RedirectRefused",
    "ResolutionFailed",
    "ResponseTooLarge",
    "TLSError",
    "UnsupportedScheme",
    "check_url",
    "default_policy",
    "fetch",
    "policy_for_org",
]
