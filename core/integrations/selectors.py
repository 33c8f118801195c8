"""Reading an organisation's integrations and their stored points; always scoped to one org."""

import uuid

from django.db.models import QuerySet

from core.integrations.errors import IntegrationNotFound
from core.integrations.models import Integration, IntegrationData


def integrations_of(org_id: int) -> QuerySet:
    return Integration.objects.filter(org_id=org_id).order_by("-created_at", "-id")


def get_integration(org_id: int, integration_id: str, *, for_update: bool = False) -> Integration:
    """404 for an unknown id, a malformed one, or another organisation's integration."""
    try:
        pk = uuid.UUID(str(integration_id))
    except ValueError:
        raise IntegrationNotFound() from None
    rows = integrations_of(org_id)
    if for_update:
        rows = rows.select_for_update()
    integration = rows.filter(pk=pk).first()
    if integration is None:
        raise IntegrationNotFound()
    return integration


def data_of(integration: Integration, *, kind=None, since=None, until=None) -> QuerySet:
    rows = IntegrationData.objects.filter(integration=integration)
    if kind:
        rows = rows.filter(type=kind)
    if since is not None:
        rows = rows.filter(timestamp__gte=since)
    if until is not None:
        rows = rows.filter(timestamp__lte=until)
    return rows.order_by("-timestamp", "-id")
