"""The agent's first start: exchange ENROLLMENT_TOKEN at COCKPIT_URL for credentials. The
control plane's address is the operator's own configuration, not a tenant's URL, so the
private-network policy lets it be private (the usual case: a LAN or a VPN)."""

import json
import socket

from core.agents.local import Credentials
from core.agents.worker import AGENT_VERSION
from core.outbound import OutboundError, Policy, fetch

CONTROL_PLANE_POLICY = Policy(allow_private=True)
ENROLL_PATH = "/api/agents/enroll"


class EnrollmentFailed(Exception):
    pass


def enroll(cockpit_url: str, token: str, timeout: float = 30.0) -> Credentials:
    if not cockpit_url or not token:
        raise EnrollmentFailed(
            "This agent has no credentials yet: set COCKPIT_URL and ENROLLMENT_TOKEN "
            "(an admin gets the token by adding a host of kind agent)"
        )
    body = json.dumps(
        {"token": token, "hostname": socket.gethostname(), "version": AGENT_VERSION}
    ).encode()
    try:
        response = fetch(
            "POST",
            cockpit_url.rstrip("/") + ENROLL_PATH,
            policy=CONTROL_PLANE_POLICY,
            headers={"Content-Type": "application/json"},
            body=body,
            timeout=timeout,
        )
    except OutboundError as exc:
        raise EnrollmentFailed(f"Cannot reach {cockpit_url}: {exc.message}") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status != 200:
        raise EnrollmentFailed(
            f"Enrollment refused ({response.status}): {answer.get('error', 'no reason given')}"
        )
    return Credentials.from_enrollment(answer)
