"""Django looks for models here; each domain keeps its own in its package."""

from core.accounts.models import ApiKey, Membership, Organization, RefreshToken, User
from core.agents.models import AgentCredential, EnrollmentToken
from core.alerts.models import AlertEvent, AlertRule, AlertState, EvaluatedHost
from core.audit.models import AuditLog
from core.hosts.models import DockerHost
from core.integrations.models import Integration, IntegrationData
from core.maintenance.models import MaintenanceMode
from core.metrics_history.models import DailyRollup, HourlyRollup, MetricsSample, RollupState
from core.outbound.models import OutboundPolicy
from core.push.models import PushToken
from core.sampling.models import ContainerWatch
from core.schedules.models import Schedule, ScheduleRun
from core.stacks.models import Stack, StackOperation, StackOperationLine, StackVersion
from core.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "AgentCredential",
    "AlertEvent",
    "AlertRule",
    "AlertState",
    "ApiKey",
    "AuditLog",
    "ContainerWatch",
    "DailyRollup",
    "DockerHost",
    "EnrollmentToken",
    "EvaluatedHost",
    "HourlyRollup",
    "Integration",
    "IntegrationData",
    "MaintenanceMode",
    "Membership",
    "MetricsSample",
    "Organization",
    "OutboundPolicy",
    "PushToken",
    "RefreshToken",
    "RollupState",
    "Schedule",
    "ScheduleRun",
    "Stack",
    "StackOperation",
    "StackOperationLine",
    "StackVersion",
    "User",
    "Webhook",
    "WebhookDelivery",
]
