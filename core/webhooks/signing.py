"""Signing webhook deliveries.

Every delivery is a POST with the JSON body `{"event", "timestamp", "data"}` and the headers

    X-Cockpit-Event:     the event name, e.g. container.down
    X-Cockpit-Delivery:  a UUID, the same on every retry of one delivery (deduplicate on it)
    X-Cockpit-Timestamp: Unix seconds when this attempt was signed
    X-Cockpit-Signature: sha256=<hex HMAC-SHA256 of "<X-Cockpit-Timestamp>.<raw body>">

keyed with the webhook's secret (shown once, when the webhook is created). To verify, a
receiver takes the raw body bytes exactly as received (before any JSON parsing), computes

    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body,
                        hashlib.sha256).hexdigest()

compares `"sha256=" + expected` with the header in constant time (hmac.compare_digest), and
rejects timestamps more than a few minutes from its own clock (replays).
"""

import hashlib
import hmac
import secrets

SIGNATURE_PREFIX = "sha256="
SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(24)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, presented: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body), presented)
