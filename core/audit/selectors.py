"""Reading the audit log, always within one organisation."""

from django.db.models import QuerySet

from core.audit.models import AuditLog


def audit_rows(org_id: int, *, action: str | None = None, user: str | None = None) -> QuerySet:
    """The organisation's rows, newest first, filtered by exact action and user (AND)."""
    rows = AuditLog.objects.filter(org_id=org_id)
    if action is not None:
        rows = rows.filter(action=action)
    if user is not None:
        rows = rows.filter(user_id=user)
    return rows.order_by("-created_at", "-id")
