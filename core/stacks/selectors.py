"""Reads: stacks as the engine and the database know them, versions, services, logs, operations.

Every read is scoped to the caller's organisation and the host the request picked; another
tenant's stack is simply not found.
"""

from django.db.models import Max

from core.docker import stacks as engine_stacks
from core.hosts.models import DockerHost
from core.stacks import presenters, runner
from core.stacks.errors import (
    DeploymentNotFound,
    OperationNotFound,
    StackNotFound,
    VersionNotFound,
)
from core.stacks.models import Stack, StackOperation, StackVersion
from core.stacks.names import validate_stack_name

MAX_LINES_PER_READ = 1000
DEFAULT_LOG_TAIL = 100
MAX_LOG_TAIL = 1000


def deployments(org_id: int, host: DockerHost):
    return (
        Stack.objects.filter(org_id=org_id, host=host)
        .select_related("current_version")
        .annotate(latest_number=Max("versions__number"))
    )


def find_deployment(org_id: int, host: DockerHost, name: str) -> Stack | None:
    return deployments(org_id, host).filter(name=name).first()


def get_deployment(org_id: int, host: DockerHost, name: str) -> Stack:
    validate_stack_name(name)
    stack = find_deployment(org_id, host, name)
    if stack is None:
        raise DeploymentNotFound()
    return stack


def _with_deployment(summary: dict, stack: Stack | None) -> dict:
    summary["deployment"] = (
        presenters.deployment(stack, stack.latest_number) if stack is not None else None
    )
    return summary


def list_stacks(org_id: int, host: DockerHost) -> list[dict]:
    """The engine's compose projects, plus deployments that have no container right now
    (created but not deployed, or taken down), each marked with its deployment or null."""
    managed = {stack.name: stack for stack in deployments(org_id, host)}
    found = engine_stacks.list_stacks(host)
    names = {summary["name"] for summary in found}
    idle = [engine_stacks.stack_summary(name, []) for name in sorted(managed) if name not in names]
    summaries = sorted(found + idle, key=lambda summary: summary["name"])
    return [_with_deployment(summary, managed.get(summary["name"])) for summary in summaries]


def stack_members(host: DockerHost, name: str) -> list[dict]:
    """The containers of a label-derived stack; StackNotFound when there are none."""
    validate_stack_name(name)
    summary = engine_stacks.get_stack(host, name)
    if summary is None:
        raise StackNotFound()
    return summary["containers"]


def get_stack(org_id: int, host: DockerHost, name: str) -> dict:
    validate_stack_name(name)
    stack = find_deployment(org_id, host, name)
    summary = engine_stacks.get_stack(host, name)
    if summary is None:
        if stack is None:
            raise StackNotFound()
        summary = engine_stacks.stack_summary(name, [])
    return _with_deployment(summary, stack)


def _existing_containers(org_id: int, host: DockerHost, name: str) -> list[dict]:
    """`compose ps` of a stack that exists as containers or as a deployment."""
    validate_stack_name(name)
    containers = runner.project_containers(host, name)
    if not containers and find_deployment(org_id, host, name) is None:
        raise StackNotFound()
    return containers


def services(org_id: int, host: DockerHost, name: str) -> list[dict]:
    """`compose ps` grouped by service: every container of the project, stopped ones too."""
    containers = _existing_containers(org_id, host, name)
    grouped: dict[str, list[dict]] = {}
    for container in containers:
        grouped.setdefault(container.get("Service") or "", []).append(
            {
                "id": container.get("ID"),
                "name": container.get("Name"),
                "image": container.get("Image"),
                "state": container.get("State"),
                "status": container.get("Status"),
                "health": container.get("Health") or None,
                "exitCode": container.get("ExitCode"),
                "ports": [
                    {
                        "private": publisher.get("TargetPort"),
                        "public": publisher.get("PublishedPort") or None,
                        "type": publisher.get("Protocol"),
                        "ip": publisher.get("URL") or None,
                    }
                    for publisher in container.get("Publishers") or []
                ],
            }
        )
    return [
        {
            "service": service,
            "running": sum(1 for c in grouped[service] if c["state"] == "running"),
            "containers": grouped[service],
        }
        for service in sorted(grouped)
    ]


def parse_tail(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_LOG_TAIL
    try:
        return max(1, min(MAX_LOG_TAIL, int(raw)))
    except ValueError:
        return DEFAULT_LOG_TAIL


def logs(org_id: int, host: DockerHost, name: str, service: str | None, tail: int) -> dict:
    """The last `tail` lines of each service (or only `service`), keyed by service."""
    containers = _existing_containers(org_id, host, name)
    names = sorted({c.get("Service") for c in containers if c.get("Service")})
    if service is not None:
        if service not in names:
            raise StackNotFound("Service not found")
        names = [service]
    return {each: runner.service_logs(host, name, each, tail) for each in names}


def versions(stack: Stack) -> list[dict]:
    items = StackVersion.objects.filter(stack=stack).order_by("-number")
    return [presenters.version(item, stack.current_version_id) for item in items]


def get_version(stack: Stack, number: int) -> StackVersion:
    version = StackVersion.objects.filter(stack=stack, number=number).first()
    if version is None:
        raise VersionNotFound()
    return version


def get_operation(org_id: int, operation_id: int) -> StackOperation:
    operation = (
        StackOperation.objects.select_related("host", "version")
        .filter(org_id=org_id, pk=operation_id)
        .first()
    )
    if operation is None:
        raise OperationNotFound()
    return operation


def operation_lines(operation: StackOperation, after: int) -> list[str]:
    """Output lines numbered above `after`, at most MAX_LINES_PER_READ of them."""
    return list(
        operation.lines.filter(number__gt=after)
        .order_by("number")
        .values_list("text", flat=True)[:MAX_LINES_PER_READ]
    )


def recent_operations(stack: Stack, limit: int = 20) -> list[dict]:
    items = StackOperation.objects.filter(stack=stack).select_related("host", "version")[:limit]
    return [presenters.operation(item) for item in items]
