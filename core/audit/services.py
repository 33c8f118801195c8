"""Writing audit rows. Views call `record(request, action, target, detail)` for the semantic
row of a mutating action (e.g. `record(request, "container.stop", target=container_id)`);
tasks without a request call `record_event(...)`. The generic row every mutating request
gets is written by `core.audit.middleware`.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.accounts.models import Organization
from core.audit.models import AuditLog
from core.http import request_id as request_ids
from core.http.client_ip import client_ip

ANONYMOUS = "anonymous"
_FIELD_LIMITS = {"user_id": 256, "action": 512, "target": 512, "ip": 64, "request_id": 128}


def principal_name(user) -> str:
    """How the audit log names whoever made a request: a principal's audit name, a Django
    admin user's email, else "anonymous"."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    return getattr(user, "audit_name", None) or getattr(user, "email", None) or ANONYMOUS


def principal_org_id(user) -> int | None:
    return getattr(user, "org_id", None) if getattr(user, "is_authenticated", False) else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def _bound_request_id() -> str:
    current = request_ids.current()
    return "" if current == "-" else current


def record_event(
    *,
    action: str,
    user_id: str = ANONYMOUS,
    org: Organization | int | None = None,
    target: str = "",
    detail: object = "",
    ip: str = "",
    request_id: str = "",
) -> AuditLog:
    """Write one audit row. `detail` may be text or a dict/list (stored as JSON)."""
    values = {
        "user_id": user_id or ANONYMOUS,
        "action": action,
        "target": _text(target),
        "ip": ip or "",
        "request_id": request_id or "",
    }
    values = {name: value[: _FIELD_LIMITS[name]] for name, value in values.items()}
    org_id = org.pk if isinstance(org, Organization) else org
    return AuditLog.objects.create(org_id=org_id, detail=_text(detail), **values)


def record(
    request,
    action: str,
    target: str = "",
    detail: object = "",
    *,
    user_id: str | None = None,
    org: Organization | int | None = None,
) -> AuditLog:
    """Write the semantic audit row of a request: who (the authenticated principal), which
    organisation, the client IP and the request id come from the request. `user_id`/`org`
    override them where the request has no principal yet (e.g. a successful login)."""
    user = getattr(request, "user", None)
    return record_event(
        action=action,
        user_id=user_id or principal_name(user),
        org=org if org is not None else principal_org_id(user),
        target=target,
        detail=detail,
        ip=client_ip(request),
        request_id=getattr(request, "request_id", None) or _bound_request_id(),
    )


def prune_older_than_retention(now=None) -> int:
    """Delete rows older than AUDIT_RETENTION_DAYS; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted
