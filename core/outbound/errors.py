"""Why an outbound request failed. Every message is safe to show the user who configured the URL:
it never names an internal address the URL resolved to, nor a header or body sent."""


class OutboundError(Exception):
    """Base of every outbound failure. `retryable` says whether the same request may succeed
    later (timeouts, refused or reset connections, DNS hiccups), as opposed to a URL or policy
    that will fail the same way every time."""

    retryable = False
    default_message = "Outbound request failed"

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidURL(OutboundError):
    default_message = "Invalid URL"


class UnsupportedScheme(OutboundError):
    default_message = "URL must be http or https"


class CredentialsInURL(OutboundError):
    default_message = "URL must not contain credentials; send them in a header instead"


class BlockedTarget(OutboundError):
    """The private-network policy refused the target. `reason` (e.g. "loopback 127.0.0.1") is
    for server logs only: showing it would let a tenant map the internal network."""

    default_message = "URL cannot target private/internal addresses"

    def __init__(self, reason: str = ""):
        super().__init__()
        self.reason = reason


class ResolutionFailed(OutboundError):
    retryable = True

    def __init__(self, host: str):
        super().__init__(f"DNS resolution failed for {host}")


class OutboundTimeout(OutboundError):
    retryable = True

    def __init__(self, seconds: float):
        super().__init__(f"Request timed out after {seconds:g}s")


class ConnectionRefused(OutboundError):
    retryable = True
    default_message = "Connection refused"


class ConnectionFailed(OutboundError):
    retryable = True
    default_message = "Connection failed"


class TLSError(OutboundError):
    """Certificate or handshake failure: a configuration problem, not worth retrying."""


class RedirectRefused(OutboundError):
    default_message = "Redirect refused"


class ResponseTooLarge(OutboundError):
    def __init__(self, limit: int):
        super().__init__(f"Response larger than {limit} bytes")
