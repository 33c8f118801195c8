"""Errors of agent hosts, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status

from core.docker.errors import DockerAPIError


def seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.1f}"


class HostDidNotAnswer(DockerAPIError):
    """The agent is offline (answered at once) or did not answer in time."""

    status_code = status.HTTP_504_GATEWAY_TIMEOUT

    def __init__(self, host_name: str, seconds: float):
        super().__init__(f"Host {host_name} did not answer within {seconds_text(seconds)} s")


class AgentCallFailed(DockerAPIError):
    """An error the agent answered that has no class of its own here: same status, same text."""

    def __init__(self, status_code: int, message: str):
        self.status_code = status_code
        super().__init__(message)


class InvalidEnrollmentToken(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Invalid or expired enrollment token"


class AgentsNeedABroker(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "Agents need a broker they can reach: set AGENT_BROKER_URL (or REDIS_URL) on the "
        "control plane"
    )


class NotAnAgentHost(exceptions.ValidationError):
    def __init__(self):
        super().__init__({"kind": "enrollment tokens are for agent hosts"})
