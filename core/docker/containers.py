"""Containers on one host: list, detail, top and the lifecycle actions."""

import re

import docker
import requests
import urllib3

from core.docker.errors import DockerConflict, DockerNotModified, EngineFailed
from core.docker.host_calls import engine, on_host
from core.hosts.models import DockerHost

COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
DEFAULT_STOP_SECONDS = 10
STOP_GRACE = 5  # the HTTP call to the engine waits `t` plus this many seconds
# The list answers health only in its status text ("Up 3 minutes (unhealthy)"): look for
# "unhealthy" explicitly, it contains "healthy" (the original's bug, spec §14.24).
_HEALTH_IN_STATUS = re.compile(r"\((unhealthy|healthy|health: starting)\)")
_STATE_CONFLICT = re.compile(r"is (?:not|already) (?:running|paused)|is paused|is restarting")
_ZERO_TIME = "0001-01-01T00:00:00Z"
STATS_FAILURES = (
    docker.errors.DockerException,
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    OSError,
    ValueError,
    KeyError,
)


def health_of(summary: dict) -> str | None:
    """The health status: "healthy", "unhealthy" or None (no health check, or still starting)."""
    status = ((summary.get("Health") or {}).get("Status") or "").lower()  # API >= 1.52
    if not status:
        match = _HEALTH_IN_STATUS.search(summary.get("Status") or "")
        status = match.group(1) if match else ""
    return status if status in ("healthy", "unhealthy") else None


def _summary(raw: dict) -> dict:
    labels = raw.get("Labels") or {}
    names = raw.get("Names") or []
    return {
        "id": raw["Id"],
        "name": names[0].lstrip("/") if names else raw["Id"][:12],
        "image": raw.get("Image"),
        "imageId": raw.get("ImageID"),
        "state": raw.get("State"),
        "status": raw.get("Status"),
        "created": raw.get("Created"),
        "ports": [
            {
                "private": port.get("PrivatePort"),
                "public": port.get("PublicPort"),
                "type": port.get("Type"),
                "ip": port.get("IP"),
            }
            for port in raw.get("Ports") or []
        ],
        "health": health_of(raw),
        "labels": labels,
        "composeProject": labels.get(COMPOSE_PROJECT),
        "composeService": labels.get(COMPOSE_SERVICE),
        "sizeRw": raw.get("SizeRw", 0),
        "sizeRootFs": raw.get("SizeRootFs", 0),
        "networkMode": list(((raw.get("NetworkSettings") or {}).get("Networks") or {}).keys()),
    }


@on_host("containers.list")
def list_containers(host: DockerHost) -> list[dict]:
    """Every container on the host, in every state, with sizes (ContainerSummary)."""
    with engine(host) as client:
        return [_summary(raw) for raw in client.api.containers(all=True, size=True)]


@on_host("containers.inspect")
def inspect(host: DockerHost, container_id: str) -> dict:
    with engine(host) as client:
        return client.api.inspect_container(container_id)


def _percent(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole else 0.0


def stats_summary(raw: dict) -> dict:
    """ContainerStats (spec A.3) from one engine stats sample."""
    cpu, precpu = raw.get("cpu_stats") or {}, raw.get("precpu_stats") or {}
    usage, preusage = cpu.get("cpu_usage") or {}, precpu.get("cpu_usage") or {}
    cpu_delta = usage.get("total_usage", 0) - preusage.get("total_usage", 0)
    system_delta = cpu.get("system_cpu_usage", 0) - precpu.get("system_cpu_usage", 0)
    cpus = cpu.get("online_cpus") or len(usage.get("percpu_usage") or []) or 1
    cpu_percent = (
        round(cpu_delta / system_delta * cpus * 100, 2) if cpu_delta > 0 and system_delta > 0 else 0
    )
    memory = raw.get("memory_stats") or {}
    networks = (raw.get("networks") or {}).values()
    return {
        "cpuPercent": cpu_percent,
        "memoryUsage": memory.get("usage", 0),
        "memoryLimit": memory.get("limit", 0),
        "memoryPercent": _percent(memory.get("usage", 0), memory.get("limit", 0)),
        "networkRx": sum(network.get("rx_bytes", 0) for network in networks),
        "networkTx": sum(network.get("tx_bytes", 0) for network in networks),
        "pids": (raw.get("pids_stats") or {}).get("current", 0),
        "read": raw.get("read"),
    }


def _stats(client: docker.DockerClient, container_id: str) -> dict | None:
    """One stats sample, or None when the engine cannot give one (stats are optional)."""
    try:
        return stats_summary(client.api.stats(container_id, stream=False))
    except STATS_FAILURES:
        return None


@on_host("containers.detail")
def container_detail(host: DockerHost, container_id: str) -> dict:
    """`{container: <inspect>, stats: <A.3 or null>, exitCode, oomKilled}`. A container that
    never ran has no exit code yet: null, not the engine's placeholder 0."""
    with engine(host) as client:
        info = client.api.inspect_container(container_id)
        state = info.get("State") or {}
        stats = _stats(client, info["Id"]) if state.get("Running") else None
    never_started = state.get("StartedAt") in (None, "", _ZERO_TIME) and not state.get("Running")
    return {
        "container": info,
        "stats": stats,
        "exitCode": None if never_started else state.get("ExitCode"),
        "oomKilled": bool(state.get("OOMKilled", False)),
    }


@on_host("containers.top")
def top(host: DockerHost, container_id: str) -> dict:
    with engine(host) as client:
        return client.api.top(container_id)


def _post(host: DockerHost, container_id: str, verb: str, *, params=None, timeout=None) -> None:
    """POST /containers/<id>/<verb>. The engine's 304 ("already started/stopped") stays a 304,
    which the SDK would swallow as a success; a state conflict the engine answers with a 500
    ("is not paused") is the 409 it means."""
    try:
        with engine(host) as client:
            api = client.api
            response = api._post(
                api._url("/containers/{0}/" + verb, container_id),
                params=params or {},
                timeout=timeout if timeout is not None else api.timeout,
            )
            if response.status_code == 304:
                raise DockerNotModified()
            api._raise_for_status(response)
    except EngineFailed as exc:
        if _STATE_CONFLICT.search(str(exc.detail)):
            raise DockerConflict(str(exc.detail)) from exc
        raise


@on_host("containers.start")
def start(host: DockerHost, container_id: str) -> None:
    _post(host, container_id, "start")


@on_host("containers.stop")
def stop(host: DockerHost, container_id: str, seconds: int = DEFAULT_STOP_SECONDS) -> None:
    _post(host, container_id, "stop", params={"t": seconds}, timeout=seconds + STOP_GRACE)


@on_host("containers.restart")
def restart(host: DockerHost, container_id: str, seconds: int = DEFAULT_STOP_SECONDS) -> None:
    _post(host, container_id, "restart", params={"t": seconds}, timeout=seconds + STOP_GRACE)


@on_host("containers.pause")
def pause(host: DockerHost, container_id: str) -> None:
    _post(host, container_id, "pause")


@on_host("containers.unpause")
def unpause(host: DockerHost, container_id: str) -> None:
    _post(host, container_id, "unpause")


@on_host("containers.remove")
def remove(host: DockerHost, container_id: str, *, force: bool = False) -> None:
    """Remove a container; the engine refuses a running one with 409 unless `force`."""
    with engine(host) as client:
        client.api.remove_container(container_id, force=force)
