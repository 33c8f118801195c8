"""Engine answers normalised once into API errors: never a 500 for something the engine said."""

from contextlib import contextmanager

import docker.errors
import requests
from rest_framework import status
from rest_framework.exceptions import APIException

UNREACHABLE = (docker.errors.DockerException, requests.exceptions.RequestException, OSError)


class DockerAPIError(APIException):
    """Base of every Docker-derived error; rendered as {"error": message} with its status."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = "Docker error"


class EngineUnavailable(DockerAPIError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE

    def __init__(self, host_name: str):
        super().__init__(f"Docker engine unavailable on host {host_name}")


class DockerNotFound(DockerAPIError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found"


class DockerConflict(DockerAPIError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"


class DockerNotModified(DockerAPIError):
    """The engine had nothing to do (already started/stopped): the original answers 304."""

    status_code = status.HTTP_304_NOT_MODIFIED
    default_detail = "Not modified"


class EngineFailed(DockerAPIError):
    """The engine itself failed (its 5xx): a bad gateway, not a fault of our API."""

    status_code = status.HTTP_502_BAD_GATEWAY


class DockerBadRequest(DockerAPIError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request"


def _engine_message(exc: docker.errors.APIError) -> str:
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return (explanation or str(exc)).strip()


def translate(exc: Exception, host_name: str, not_found: str | None = None) -> DockerAPIError:
    """The API error for an exception raised while talking to the engine of `host_name`."""
    if isinstance(exc, docker.errors.NotFound | docker.errors.ImageNotFound):
        return DockerNotFound(not_found or "Not found")
    if isinstance(exc, docker.errors.APIError):
        code = exc.status_code or 500
        message = _engine_message(exc)
        if code == 304:
            return DockerNotModified()
        if code == 404:
            return DockerNotFound(not_found or "Not found")
        if code == 409:
            return DockerConflict(message)
        if code == 400:
            return DockerBadRequest(message)
        if code >= 500 and "No such" in message:
            return DockerNotFound(not_found or "Not found")
        return EngineFailed(message)
    if isinstance(exc, UNREACHABLE):
        return EngineUnavailable(host_name)
    raise exc


@contextmanager
def engine_errors(host_name: str, not_found: str | None = None):
    """Wrap engine calls: `with engine_errors(host.name): client.containers.get(id)`."""
    try:
        yield
    except DockerAPIError:
        raise
    except UNREACHABLE as exc:
        raise translate(exc, host_name, not_found) from exc
