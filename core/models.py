"""Django looks for models here; each domain keeps its own in its package."""

from core.accounts.models import ApiKey, Membership, Organization, RefreshToken, User
from core.audit.models import AuditLog
from core.hosts.models import DockerHost
from core.outbound.models import OutboundPolicy
from core.stacks.models import Stack, StackOperation, StackOperationLine, StackVersion
from core.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "ApiKey",
    "AuditLog",
    "DockerHost",
    "Membership",
    "Organization",
    "OutboundPolicy",
    "RefreshToken",
    "Stack",
    "StackOperation",
    "StackOperationLine",
    "StackVersion",
    "User",
    "Webhook",
    "WebhookDelivery",
]
