"""How stacks, versions and operations look in API responses (camelCase, ISO-8601 UTC)."""

from datetime import datetime

from core.stacks.models import Stack, StackOperation, StackVersion


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def env_keys(env: str | None) -> list[str]:
    """The variable names of an env file; values are never shown (they are often secrets)."""
    keys = []
    for line in (env or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key = line.split("=", 1)[0].strip().removeprefix("export ").strip()
        if key:
            keys.append(key)
    return keys


def deployment(stack: Stack, latest_number: int | None) -> dict:
    current = stack.current_version
    return {
        "currentVersion": current.number if current else None,
        "latestVersion": latest_number,
        "createdBy": stack.created_by,
        "createdAt": iso(stack.created_at),
        "updatedBy": stack.updated_by,
        "updatedAt": iso(stack.updated_at),
    }


def version(item: StackVersion, current_id: int | None, with_files: bool = False) -> dict:
    body = {
        "number": item.number,
        "note": item.note,
        "current": item.id == current_id,
        "createdBy": item.created_by,
        "createdAt": iso(item.created_at),
        "envKeys": env_keys(item.env),
    }
    if with_files:
        body["compose"] = item.compose
    return body


def operation(item: StackOperation) -> dict:
    return {
        "id": item.id,
        "stack": item.stack_name,
        "host": item.host.slug,
        "kind": item.kind,
        "status": item.status,
        "version": item.version.number if item.version else None,
        "options": item.options,
        "exitCode": item.exit_code,
        "error": item.error or None,
        "lineCount": item.line_count,
        "requestedBy": item.requested_by,
        "createdAt": iso(item.created_at),
        "startedAt": iso(item.started_at),
        "finishedAt": iso(item.finished_at),
    }
