"""Rebuild: pull the container's image, then recreate the container from it with the same name
and configuration. Nothing is touched until the pull succeeded; a failure after that puts the
old container back as it was."""

import contextlib
import logging
import re
import secrets

import docker
from rest_framework import status

from core.docker import containers, images
from core.docker.errors import DockerAPIError, DockerConflict, DockerNotModified, EngineUnavailable
from core.docker.host_calls import engine, engine_message, on_host
from core.docker.image_reference import InvalidReference, parse_reference
from core.docker.recreate_config import CreationSpec, creation_spec
from core.docker.self_protection import refuse_self_by_inspect
from core.hosts.models import DockerHost

log = logging.getLogger(__name__)
_IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{64}")
STOP_SECONDS = 10


class RebuildFailed(DockerAPIError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Rebuild failed"


def _reason(exc: Exception) -> str:
    if isinstance(exc, DockerAPIError):
        return str(exc.detail)
    if isinstance(exc, docker.errors.APIError):
        return engine_message(exc)
    return f"{exc.__class__.__name__}: {exc}"


def pull(host: DockerHost, image: str) -> None:
    """Pull `image` to the end of its progress stream; an error anywhere raises."""
    try:
        reference = parse_reference(image)
    except InvalidReference as exc:
        raise RebuildFailed(f"Rebuild failed: cannot pull {image}: {exc}") from exc
    for _event in images.pull_image(host, reference):
        pass


def _pull_step(host: DockerHost, image: str, use_local: bool) -> bool:
    """Pull (or, with `use_local`, check the image is here). True when a pull happened."""
    if use_local or _IMAGE_ID.fullmatch(image):
        with engine(host) as client:
            try:
                client.api.inspect_image(image)
            except docker.errors.ImageNotFound as exc:
                raise DockerConflict(
                    f"Image {image} is not present on host {host.name}; rebuild with pull"
                ) from exc
        return False
    try:
        pull(host, image)
    except EngineUnavailable:
        raise
    except DockerAPIError as exc:
        raise RebuildFailed(f"Rebuild failed: {_reason(exc)}. Nothing was changed.") from exc
    return True


def _old_image(client, info: dict) -> dict | None:
    try:
        return client.api.inspect_image(info["Image"])
    except docker.errors.APIError:
        return None  # without it every value is carried over explicitly


def _create(client, spec: CreationSpec) -> str:
    return client.api.create_container_from_config(spec.config, name=spec.name)["Id"]


def _connect_networks(client, new_id: str, spec: CreationSpec) -> None:
    api = client.api
    for network, endpoint in spec.extra_networks.items():
        api._raise_for_status(
            api._post_json(
                api._url("/networks/{0}/connect", network),
                data={"Container": new_id, "EndpointConfig": endpoint},
            )
        )


def _stop(host: DockerHost, info: dict) -> None:
    if (info.get("State") or {}).get("Paused"):
        containers.unpause(host, info["Id"])
    with contextlib.suppress(DockerNotModified):  # already stopped
        containers.stop(host, info["Id"], STOP_SECONDS)


def _restore(client, host, info, aside: str | None, new_id: str | None, was_running) -> str:
    """Put the old container back; returns what went wrong doing so ("" when all went well)."""
    problems = []
    api = client.api
    steps = []
    if new_id:
        steps.append(("remove the new container", lambda: api.remove_container(new_id, force=True)))
    if aside:
        name = info["Name"].lstrip("/")
        steps.append(("rename the old container back", lambda: api.rename(info["Id"], name)))
    if was_running:
        steps.append(("start the old container", lambda: containers.start(host, info["Id"])))
    for what, step in steps:
        try:
            step()
        except (docker.errors.DockerException, DockerAPIError, OSError) as exc:
            if not isinstance(exc, DockerNotModified):
                problems.append(f"could not {what} ({_reason(exc)})")
    return "; ".join(problems)


@on_host("containers.rebuild")
def rebuild(host: DockerHost, container_id: str, *, use_local: bool = False) -> dict:
    """Pull the image (unless `use_local`), then stop, set aside, recreate, start (when it was
    running) and finally remove the old container."""
    with engine(host) as client:
        info = client.api.inspect_container(container_id)
    refuse_self_by_inspect(info)
    name = info["Name"].lstrip("/")
    image = (info.get("Config") or {}).get("Image") or info["Image"]
    pulled = _pull_step(host, image, use_local)

    state = info.get("State") or {}
    was_running = bool(state.get("Running"))
    aside = new_id = None
    with engine(host) as client:
        spec = creation_spec(info, _old_image(client, info))
        try:
            if was_running:
                _stop(host, info)
            aside = f"{name}-cockpit-old-{secrets.token_hex(4)}"
            client.api.rename(info["Id"], aside)
            new_id = _create(client, spec)
            _connect_networks(client, new_id, spec)
            if was_running:
                containers.start(host, new_id)
        except (docker.errors.DockerException, DockerAPIError, OSError) as exc:
            log.warning("rebuild of %s on %s failed: %s", name, host.name, _reason(exc))
            problems = _restore(client, host, info, aside, new_id, was_running)
            outcome = (
                "the previous container was restored"
                if not problems
                else f"restoring the previous container failed: {problems}"
            )
            raise RebuildFailed(f"Rebuild failed: {_reason(exc)}; {outcome}") from exc
        message = f"Container {name} recreated from image {image}"
        try:
            client.api.remove_container(info["Id"], force=True)
        except docker.errors.APIError as exc:
            message += f"; the previous container is kept as {aside} ({engine_message(exc)})"
    return {
        "ok": True,
        "message": message,
        "id": new_id,
        "previousId": info["Id"],
        "name": name,
        "image": image,
        "pulled": pulled,
    }
