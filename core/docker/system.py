"""Engine-wide reads and writes on one host: info, disk usage, system prune, and the container
states the overview counts."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import docker

from core.docker.containers import COMPOSE_PROJECT, health_of
from core.docker.host_calls import SLOW_CALL_TIMEOUT, engine, engine_message, on_host
from core.hosts.models import DockerHost

log = logging.getLogger(__name__)


@on_host("system.info")
def docker_info(host: DockerHost) -> dict:
    """The engine's raw `/info` and `/system/df`."""
    with engine(host, timeout=SLOW_CALL_TIMEOUT) as client:
        return {"info": client.info(), "diskUsage": client.df()}


def _sum(items: list[dict] | None, size_of: Callable[[dict], int | None]) -> dict:
    items = items or []
    # The engine reports -1 for a size it did not compute; an unknown size adds nothing.
    return {"count": len(items), "size": sum(max(size_of(item) or 0, 0) for item in items)}


def summarize_disk_usage(df: dict) -> dict:
    """Counts and byte sums per kind: containers ΣSizeRw, images ΣSize, volumes
    ΣUsageData.Size, build cache ΣSize, and their total."""
    summary = {
        "containers": _sum(df.get("Containers"), lambda item: item.get("SizeRw")),
        "images": _sum(df.get("Images"), lambda item: item.get("Size")),
        "volumes": _sum(df.get("Volumes"), lambda item: (item.get("UsageData") or {}).get("Size")),
        "buildCache": _sum(df.get("BuildCache"), lambda item: item.get("Size")),
    }
    summary["totalSize"] = sum(part["size"] for part in summary.values())
    return summary


@on_host("system.disk")
def disk_usage(host: DockerHost) -> dict:
    with engine(host, timeout=SLOW_CALL_TIMEOUT) as client:
        df = client.df()
    return summarize_disk_usage(df)


def _tolerant(step: str, call: Callable[[], dict]) -> tuple[dict, str | None]:
    """One prune step; an error the engine answers with (e.g. a prune already running) leaves
    that part empty instead of failing the others. An unreachable engine still fails."""
    try:
        return call() or {}, None
    except docker.errors.APIError as exc:
        message = engine_message(exc)
        log.warning("system prune: %s prune failed: %s", step, message)
        return {}, message


def _part(deleted: list | None, reclaimed: int | None, error: str | None) -> dict:
    part = {"deleted": deleted or [], "spaceReclaimed": reclaimed or 0}
    if error:
        part["error"] = error
    return part


@on_host("system.prune")
def prune_system(host: DockerHost, *, include_volumes: bool = False) -> dict:
    """Prune stopped containers, dangling images and unused networks, and unused volumes only
    when asked."""
    with engine(host, timeout=SLOW_CALL_TIMEOUT) as client:
        client.ping()  # an unreachable engine is a 503, not a prune that found nothing
        api = client.api
        containers, containers_error = _tolerant("container", api.prune_containers)
        images, images_error = _tolerant(
            "image", lambda: api.prune_images(filters={"dangling": "true"})
        )
        networks, networks_error = _tolerant("network", api.prune_networks)
        volumes, volumes_error = (
            _tolerant("volume", api.prune_volumes) if include_volumes else ({}, None)
        )
    result = {
        "containers": _part(
            containers.get("ContainersDeleted"), containers.get("SpaceReclaimed"), containers_error
        ),
        "images": _part(images.get("ImagesDeleted"), images.get("SpaceReclaimed"), images_error),
        "volumes": {
            **_part(volumes.get("VolumesDeleted"), volumes.get("SpaceReclaimed"), volumes_error),
            "skipped": not include_volumes,
        },
        "networks": {"deleted": networks.get("NetworksDeleted") or []},
    }
    if networks_error:
        result["networks"]["error"] = networks_error
    result["totalReclaimed"] = sum(
        result[kind]["spaceReclaimed"] for kind in ("containers", "images", "volumes")
    )
    return result


@dataclass(frozen=True)
class ContainerState:
    running: bool
    health: str | None  # "healthy" | "unhealthy" | None
    project: str | None  # compose project label


def container_states(host: DockerHost) -> list[ContainerState]:
    """Every container's run state, health and compose project, from one list call."""
    with engine(host) as client:
        containers = client.api.containers(all=True)
    return [
        ContainerState(
            running=container.get("State") == "running",
            health=health_of(container),
            project=(container.get("Labels") or {}).get(COMPOSE_PROJECT) or None,
        )
        for container in containers
    ]
