"""Images on one host: list, remove, prune and pull with progress."""

import re
from collections import Counter
from collections.abc import Iterator

import docker
import requests
import urllib3

from core.docker.errors import DockerAPIError, DockerNotFound, EngineFailed, translate
from core.docker.host_calls import SLOW_CALL_TIMEOUT, engine, engine_message, on_host
from core.docker.image_reference import ImageReference
from core.hosts.models import DockerHost

NOT_FOUND = "Not found"
# A pull may run for minutes, but the engine reports progress at least every few seconds:
# the limit is on silence, not on the whole transfer.
PULL_CONNECT_TIMEOUT = 10.0
PULL_IDLE_TIMEOUT = 120.0
_UNREACHABLE_HINTS = re.compile(
    r"dial tcp|no such host|connection refused|i/o timeout|network is unreachable|"
    r"server gave HTTP response to HTTPS client|TLS handshake|Client.Timeout",
    re.IGNORECASE,
)
# A registry that answers but lacks the image; the engine passes this on as its own 500.
_MISSING_HINTS = re.compile(
    r"manifest unknown|not found|repository does not exist|pull access denied", re.IGNORECASE
)
_PLACEHOLDER_TAGS = {"<none>:<none>", "<none>@<none>"}
_STREAM_FAILURES = (
    docker.errors.DockerException,
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    OSError,
    ValueError,  # a line the engine cut off mid-JSON
)


class PullFailed(DockerAPIError):
    """The pull failed after the engine accepted it: a registry error or a broken stream."""

    status_code = 502


def _summary(image: dict, containers_per_image: Counter) -> dict:
    return {
        "id": image["Id"],
        "repoTags": [tag for tag in image.get("RepoTags") or [] if tag not in _PLACEHOLDER_TAGS],
        "repoDigests": [
            digest for digest in image.get("RepoDigests") or [] if digest not in _PLACEHOLDER_TAGS
        ],
        "created": image.get("Created"),
        "size": image.get("Size", 0),
        "virtualSize": image.get("VirtualSize", image.get("Size", 0)),
        "containers": containers_per_image.get(image["Id"], 0),
        "labels": image.get("Labels") or {},
    }


@on_host("images.list")
def list_images(host: DockerHost) -> list[dict]:
    """Top-level images. `containers` is counted from the container list (the engine's own
    figure is -1 unless it computes disk usage)."""
    with engine(host) as client:
        images = client.api.images()
        containers = client.api.containers(all=True)
    per_image = Counter(container.get("ImageID") for container in containers)
    return [_summary(image, per_image) for image in images]


@on_host("images.remove")
def remove_image(host: DockerHost, image_id: str, *, force: bool = False) -> list[dict]:
    """Docker's list of `{Untagged}` / `{Deleted}` entries. In use → 409 unless forced (and a
    running container's image is refused even then)."""
    with engine(host, not_found=NOT_FOUND) as client:
        return client.api.remove_image(image_id, force=force)


@on_host("images.prune")
def prune_images(host: DockerHost, *, all_unused: bool = False) -> dict:
    """Dangling images only, unless `all_unused` (every image no container uses)."""
    filters = {"dangling": "false"} if all_unused else {"dangling": "true"}
    with engine(host, timeout=SLOW_CALL_TIMEOUT) as client:
        result = client.api.prune_images(filters=filters)
    return {
        "ImagesDeleted": result.get("ImagesDeleted") or [],
        "SpaceReclaimed": result.get("SpaceReclaimed") or 0,
    }


def _pull_error(reference: ImageReference, message: str) -> str:
    if _UNREACHABLE_HINTS.search(message):
        return f"Registry unreachable while pulling {reference}: {message}"
    return f"Pull of {reference} failed: {message}"


@on_host("images.pull")
def pull_image(host: DockerHost, reference: ImageReference) -> Iterator[dict]:
    """Start a pull and return its progress events (`status`, `id`, `progress`,
    `progressDetail`). Failures the engine reports before streaming raise here; failures
    inside the stream raise PullFailed from the iterator — never a silent success."""
    with engine(host, not_found=f"Image {reference} not found in its registry") as client:
        api = client.api
        try:
            # The SDK's pull() has no timeout at all; the same request with one.
            response = api._post(
                api._url("/images/create"),
                params={"fromImage": reference.name, "tag": reference.pull_tag},
                stream=True,
                timeout=(PULL_CONNECT_TIMEOUT, PULL_IDLE_TIMEOUT),
            )
            try:
                api._raise_for_status(response)
            except docker.errors.APIError:
                response.close()
                raise
        except docker.errors.APIError as exc:
            message = engine_message(exc)
            error = translate(exc, host.name, f"Image {reference} not found in its registry")
            if isinstance(error, EngineFailed) and _MISSING_HINTS.search(message):
                error = DockerNotFound(f"Image {reference} not found in its registry: {message}")
            elif isinstance(error, EngineFailed):
                error = PullFailed(_pull_error(reference, message))
            raise error from exc
        events = api._stream_helper(response, decode=True)
    return _progress(reference, response, events)


def _progress(reference: ImageReference, response, events) -> Iterator[dict]:
    try:
        for event in events:
            message = event.get("error") or (event.get("errorDetail") or {}).get("message")
            if message:
                raise PullFailed(_pull_error(reference, str(message)))
            yield {
                key: event[key]
                for key in ("status", "id", "progress", "progressDetail")
                if key in event
            }
    except _STREAM_FAILURES as exc:
        detail = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise PullFailed(f"Pull of {reference} was interrupted: {detail}") from exc
    finally:
        response.close()


@on_host("images.pulled_id")
def pulled_image_id(host: DockerHost, reference: ImageReference) -> str | None:
    """The local id of a pulled reference (None when the engine does not have it)."""
    with engine(host) as client:
        try:
            return client.api.inspect_image(str(reference))["Id"]
        except docker.errors.ImageNotFound:
            return None
