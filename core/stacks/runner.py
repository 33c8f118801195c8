"""Compose commands where the host's engine is: in this process for a local or tcp host, on the
host's agent for an agent host (the host calls `stacks.*`). Arguments and results are JSON;
each function acts on `host`, which on an agent is this machine's own engine.

The compose files come with the call (the control plane's database is their only source of
truth) and are written under this machine's stacks root, with the same name and file-reference
checks the API applied: an agent does not trust what it is sent to stay in its directory.
"""

from collections.abc import Iterator

from core.docker import compose
from core.docker.host_calls import on_host
from core.hosts.models import DockerHost
from core.stacks import workspace
from core.stacks.errors import BadRequest
from core.stacks.file_refs import refuse_outside_files
from core.stacks.names import validate_deployment_name, validate_stack_name

COMMANDS = {
    "up": ["up", "-d", "--remove-orphans"],
    "pull": ["pull"],
    "down": ["down", "--remove-orphans"],
}


def compose_command(action: str, volumes: bool = False) -> list[str]:
    if action not in COMMANDS:
        raise BadRequest(f"Unknown compose action {action!r}")
    command = list(COMMANDS[action])
    if action == "down" and volumes:
        command.append("--volumes")
    return command


def _project(
    host: DockerHost, org_id: int, name: str, compose_text: str | None, env: str | None
) -> compose.ComposeProject:
    validate_deployment_name(name)
    if compose_text is None:  # no stored file: compose finds the project's containers by label
        return workspace.labelled_project(host, name)
    refuse_outside_files(compose_text)
    return workspace.deployment_project(host, org_id, name, compose_text, env)


@on_host("stacks.compose")
def run_compose(
    host: DockerHost,
    org_id: int,
    name: str,
    action: str,
    timeout: float,
    compose_text: str | None = None,
    env: str | None = None,
    volumes: bool = False,
    forget: bool = False,
) -> Iterator[dict | None]:
    """Run `compose up -d` / `pull` / `down` on a deployment: `{"lines": [...]}` batches while
    compose prints (None ticks while it is quiet), then `{"exitCode": n}`. `forget` removes
    the project's directory after a successful command (a deleted deployment)."""
    command = compose_command(action, volumes)
    project = _project(host, int(org_id), name, compose_text, env)
    output = compose.stream(project, command, timeout=float(timeout))
    try:
        while True:
            try:
                batch = next(output)
            except StopIteration as finished:
                code = finished.value
                break
            yield {"lines": batch} if batch else None  # None: a tick, compose is quiet
    finally:
        output.close()  # a reader that stopped listening: compose is killed, not left running
    if code == 0 and forget:
        workspace.forget_project(org_id, host.id, name)
    yield {"exitCode": code}


@on_host("stacks.ps")
def project_containers(host: DockerHost, name: str) -> list[dict]:
    """`compose ps` of a project by its label: every container, stopped ones too."""
    validate_stack_name(name)
    return compose.ps(workspace.labelled_project(host, name))


@on_host("stacks.logs")
def service_logs(host: DockerHost, name: str, service: str, tail: int) -> list[str]:
    """The last `tail` lines of one service of a project."""
    validate_stack_name(name)
    return compose.logs(workspace.labelled_project(host, name), str(service), int(tail))
