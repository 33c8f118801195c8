"""Writes on stacks: label-derived start/stop/restart, and storing deployment versions."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.docker import compose
from core.docker import stacks as engine_stacks
from core.hosts.models import DockerHost
from core.stacks import selectors
from core.stacks.errors import BadRequest, StackChanged
from core.stacks.file_refs import refuse_outside_files
from core.stacks.models import Stack, StackVersion
from core.stacks.names import validate_deployment_name
from core.stacks.workspace import scratch_project

ACTIONS = ("start", "stop", "restart")
MAX_STOP_SECONDS = 600


def parse_stop_seconds(raw: str | None) -> int:
    if raw in (None, ""):
        return engine_stacks.DEFAULT_STOP_SECONDS
    try:
        seconds = int(raw)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= MAX_STOP_SECONDS:
        raise BadRequest(f"t must be a whole number of seconds from 0 to {MAX_STOP_SECONDS}")
    return seconds


def act_on_stack(host: DockerHost, name: str, action: str, seconds: int) -> list[dict]:
    """Start, stop or restart every member of a label-derived stack, one after the other;
    one result per member with the action word of spec §3.4."""
    members = selectors.stack_members(host, name)
    if action == "start":
        return engine_stacks.start_stack(host, members)
    if action == "stop":
        return engine_stacks.stop_stack(host, members, seconds)
    return engine_stacks.restart_stack(host, members, seconds)


@dataclass(frozen=True)
class SavedVersion:
    stack: Stack
    version: StackVersion
    created: bool  # the stack itself is new
    changed: bool  # a new version was written (false when the files equal the latest)
    services: list[str]


def _next_number(stack: Stack) -> int:
    latest = stack.versions.order_by("-number").values_list("number", flat=True).first()
    return (latest or 0) + 1


def add_version(
    stack: Stack, compose_text: str, env: str | None, note: str, author: str
) -> StackVersion:
    return StackVersion.objects.create(
        stack=stack,
        number=_next_number(stack),
        compose=compose_text,
        env=env or "",
        note=note,
        created_by=author,
    )


def save_version(
    *,
    org_id: int,
    host: DockerHost,
    name: str,
    compose_text: str,
    env: str | None,
    note: str,
    author: str,
) -> SavedVersion:
    """Create a deployment or add a version to it, after `compose config` accepted the files
    (ComposeInvalid, a 400 with compose's message, otherwise). Nothing is deployed here."""
    validate_deployment_name(name)
    refuse_outside_files(compose_text)
    with scratch_project(host, name, compose_text, env) as project:
        model = compose.validate(project)
    service_names = sorted((model.get("services") or {}).keys())
    now = timezone.now()
    try:
        with transaction.atomic():
            stack, created = Stack.objects.get_or_create(
                org_id=org_id,
                host=host,
                name=name,
                defaults={"created_by": author, "updated_by": author, "created_at": now},
            )
            latest = stack.versions.order_by("-number").first()
            if latest is not None and latest.compose == compose_text and latest.env == (env or ""):
                return SavedVersion(stack, latest, created, False, service_names)
            version = add_version(stack, compose_text, env, note, author)
            Stack.objects.filter(pk=stack.pk).update(updated_by=author, updated_at=now)
    except IntegrityError:
        # Another request wrote the same stack or version number at the same moment.
        raise StackChanged() from None
    stack.refresh_from_db()
    return SavedVersion(stack, version, created, True, service_names)
