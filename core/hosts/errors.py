"""Errors of the hosts domain, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status

from core.docker.errors import DockerAPIError, EngineUnavailable


class HostConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


class SlugTaken(HostConflict):
    default_detail = "A host with this slug already exists"


class DefaultHostUndeletable(HostConflict):
    default_detail = "Cannot delete the default host; make another host the default first"


class DefaultHostRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        "An organization always has a default host; make another host the default instead"
    )


class HostNotFound(exceptions.NotFound):
    default_detail = "Host not found"


class HostTLSError(EngineUnavailable):
    """A tcp host's engine is only ever reached with its TLS identity: these refuse the call
    (never a plain-TCP fallback) and name the host, never its material. They are an
    unavailable engine to every caller (the sampler marks the host offline)."""

    def __init__(self, message: str):
        DockerAPIError.__init__(self, message)  # not EngineUnavailable's generic message


class HostTLSMissing(HostTLSError):
    def __init__(self, host_name: str):
        super().__init__(
            f"Host {host_name} has no TLS material: set its CA, client certificate and key"
        )


class HostTLSUndecryptable(HostTLSError):
    def __init__(self, host_name: str):
        super().__init__(
            f"The TLS material of host {host_name} cannot be decrypted with the configured keys "
            "(INTEGRATIONS_KEY)"
        )


class HostTLSFailed(HostTLSError):
    """The handshake failed: the engine's certificate is not signed by the host's CA, or the
    engine refused the client certificate. A bad gateway, not a missing one."""

    status_code = status.HTTP_502_BAD_GATEWAY

    def __init__(self, host_name: str, reason: str):
        super().__init__(
            f"TLS handshake with the Docker engine of host {host_name} failed: {reason}"
        )
