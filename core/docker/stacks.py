"""Label-derived stacks: the containers of one host grouped by their compose project label.

No compose file is read here: a stack is whatever containers carry the same
`com.docker.compose.project` label, and its actions act on those containers one by one.
"""

from collections.abc import Callable

from core.docker import containers as engine_containers
from core.docker.errors import DockerAPIError, DockerNotModified
from core.docker.self_protection import SELF_ACTION_REFUSED, is_self
from core.hosts.models import DockerHost

WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
RUNNING_STATES = {"running", "restarting", "paused"}  # states a `stop` still has work to do in
DEFAULT_STOP_SECONDS = engine_containers.DEFAULT_STOP_SECONDS


def stack_summary(name: str, containers: list[dict]) -> dict:
    """The Stack object of spec §3.4 for the members of one project (possibly none)."""
    running = sum(1 for container in containers if container["state"] == "running")
    unhealthy = sum(1 for container in containers if container["health"] == "unhealthy")
    stopped = len(containers) - running
    if unhealthy:
        status = "unhealthy"
    elif stopped == len(containers):
        status = "stopped"
    elif running == len(containers):
        status = "running"
    else:
        status = "partial"
    working_dirs = (container["labels"].get(WORKING_DIR_LABEL) for container in containers)
    return {
        "name": name,
        "containerCount": len(containers),
        "running": running,
        "stopped": stopped,
        "unhealthy": unhealthy,
        "status": status,
        "workingDir": next((directory for directory in working_dirs if directory), None),
        "containers": containers,
    }


def _projects(host: DockerHost) -> dict[str, list[dict]]:
    """Containers (ContainerSummary) by compose project, oldest first within each, so "the first
    container seen" (workingDir) is the same on every call."""
    projects: dict[str, list[dict]] = {}
    members = engine_containers.list_containers(host)
    for container in sorted(members, key=lambda c: (c.get("created") or 0, c["id"])):
        if container["composeProject"]:
            projects.setdefault(container["composeProject"], []).append(container)
    return projects


def list_stacks(host: DockerHost) -> list[dict]:
    """Every compose project with at least one container on the host, by name."""
    projects = _projects(host)
    return [stack_summary(name, projects[name]) for name in sorted(projects)]


def get_stack(host: DockerHost, name: str) -> dict | None:
    """The project's Stack object, or None when no container carries its label."""
    members = _projects(host).get(name)
    return stack_summary(name, members) if members else None


def _act(container: dict, skip: str | None, done: str, call: Callable[[], None]) -> dict:
    result = {"id": container["id"], "name": container["name"]}
    if skip is not None:
        return {**result, "action": skip}
    try:
        call()
    except DockerNotModified:  # the engine had nothing to do after all
        pass
    except DockerAPIError as exc:
        return {**result, "action": "error", "error": str(exc.detail)}
    return {**result, "action": done}


def _refused(container: dict) -> dict:
    return {
        "id": container["id"],
        "name": container["name"],
        "action": "error",
        "error": SELF_ACTION_REFUSED,
    }


def start_stack(host: DockerHost, members: list[dict]) -> list[dict]:
    """Start the members that are not running, one after the other."""
    return [
        _act(
            container,
            "already_running" if container["state"] == "running" else None,
            "started",
            lambda container=container: engine_containers.start(host, container["id"]),
        )
        for container in members
    ]


def stop_stack(host: DockerHost, members: list[dict], seconds: int) -> list[dict]:
    """Stop the running members one after the other, each given `seconds` to exit; never the
    container Cockpit runs in."""
    return [
        _refused(container)
        if container["state"] in RUNNING_STATES and is_self(host, container["id"])
        else _act(
            container,
            None if container["state"] in RUNNING_STATES else "already_stopped",
            "stopped",
            lambda container=container: engine_containers.stop(host, container["id"], seconds),
        )
        for container in members
    ]


def restart_stack(host: DockerHost, members: list[dict], seconds: int) -> list[dict]:
    """Restart every member one after the other; never the container Cockpit runs in."""
    return [
        _refused(container)
        if is_self(host, container["id"])
        else _act(
            container,
            None,
            "restarted",
            lambda container=container: engine_containers.restart(host, container["id"], seconds),
        )
        for container in members
    ]
