"""Volumes on one host: list, create, remove."""

from dataclasses import dataclass, field

import docker

from core.docker.errors import DockerBadRequest, DockerConflict
from core.docker.host_calls import engine, engine_message, on_host
from core.docker.timestamps import iso_utc
from core.hosts.models import DockerHost

NOT_FOUND = "Not found"


@dataclass(frozen=True)
class VolumeSpec:
    name: str | None = None  # the engine names an anonymous volume
    driver: str = "local"
    labels: dict[str, str] = field(default_factory=dict)
    driver_opts: dict[str, str] = field(default_factory=dict)


def _summary(volume: dict) -> dict:
    return {
        "name": volume["Name"],
        "driver": volume.get("Driver"),
        "mountpoint": volume.get("Mountpoint"),
        "scope": volume.get("Scope"),
        "created": iso_utc(volume.get("CreatedAt")),
        "labels": volume.get("Labels") or {},
    }


@on_host("volumes.list")
def list_volumes(host: DockerHost) -> list[dict]:
    with engine(host) as client:
        volumes = client.api.volumes().get("Volumes") or []
    return [_summary(volume) for volume in volumes]


def _known_driver(client: docker.DockerClient, driver: str) -> bool:
    # The engine spends ~15 s looking for an unknown plugin before it says so.
    return driver == "local" or driver in (client.info().get("Plugins") or {}).get("Volume", [])


@on_host("volumes.create")
def create_volume(host: DockerHost, spec: VolumeSpec) -> dict:
    """Create a volume. The engine silently returns an existing volume of the same name; here
    that is a 409, so a create never adopts someone else's data."""
    with engine(host) as client:
        if not _known_driver(client, spec.driver):
            raise DockerBadRequest(f"Unknown volume driver {spec.driver}")
        if spec.name:
            try:
                client.api.inspect_volume(spec.name)
            except docker.errors.NotFound:
                pass
            else:
                raise DockerConflict(f"Volume {spec.name} already exists")
        try:
            volume = client.api.create_volume(
                name=spec.name,
                driver=spec.driver,
                driver_opts=spec.driver_opts or None,
                labels=spec.labels or None,
            )
        except docker.errors.NotFound as exc:  # a driver that went away since the check
            message = f"Unknown volume driver {spec.driver}: {engine_message(exc)}"
            raise DockerBadRequest(message) from exc
    return _summary(volume)


@on_host("volumes.remove")
def remove_volume(host: DockerHost, name: str, *, force: bool = False) -> None:
    """Remove a volume. In use → 409, forced or not. `force` (like `docker volume rm -f`)
    makes a missing volume a success."""
    with engine(host, not_found=NOT_FOUND) as client:
        try:
            client.api.remove_volume(name, force=force)
        except docker.errors.NotFound:
            if not force:
                raise
