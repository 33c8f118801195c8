"""Bulk start/stop/restart: up to 20 containers at once, in parallel, one result each."""

from concurrent.futures import ThreadPoolExecutor

from rest_framework.exceptions import APIException

from core.containers.params import CONTAINER_ID, BadRequest
from core.docker import containers
from core.docker.errors import DockerNotModified
from core.docker.self_protection import SelfActionRefused, is_self
from core.hosts.models import DockerHost

MAX_IDS = 20
MAX_WORKERS = 8
ACTIONS = {"start": containers.start, "stop": containers.stop, "restart": containers.restart}
ALREADY = {"start": "Container already started", "stop": "Container already stopped"}


def parse(data: dict) -> tuple[list[str], str]:
    """(ids, action), checked in the original's order with its messages."""
    ids, action = data.get("ids"), data.get("action")
    if not isinstance(ids, list) or not ids:
        raise BadRequest("ids array required")
    if action not in ACTIONS:
        raise BadRequest("action must be start, stop, or restart")
    if len(ids) > MAX_IDS:
        raise BadRequest(f"Max {MAX_IDS} containers per bulk operation")
    for container_id in ids:
        if not isinstance(container_id, str) or not CONTAINER_ID.fullmatch(container_id):
            raise BadRequest(f"Invalid container ID: {container_id}")
    return ids, action


def _pool(size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=min(size, MAX_WORKERS), thread_name_prefix="bulk")


def _one(host: DockerHost, action: str, container_id: str) -> dict:
    try:
        ACTIONS[action](host, container_id)
    except DockerNotModified:
        return {"id": container_id, "success": False, "error": ALREADY[action]}
    except APIException as exc:
        return {"id": container_id, "success": False, "error": str(exc.detail)}
    return {"id": container_id, "success": True, "error": None}


def run(host: DockerHost, ids: list[str], action: str) -> dict:
    """Refuses the whole request (403) when any id names Cockpit's own container; otherwise
    runs every action, never failing as a whole: `{action, results: [{id, success, error}]}`."""
    with _pool(len(ids)) as pool:
        if any(pool.map(lambda container_id: is_self(host, container_id), ids)):
            raise SelfActionRefused()
        results = list(pool.map(lambda container_id: _one(host, action, container_id), ids))
    return {"action": action, "results": results}
