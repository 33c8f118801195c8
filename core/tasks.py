"""Celery tasks of core. Tasks stay thin: they call service functions."""

from celery import shared_task

from core.accounts.tasks import prune_refresh_tokens  # noqa: F401  (registers it with workers)
from core.agents import tasks as agent_tasks  # noqa: F401  (registers them with workers)
from core.alerts.tasks import prune_alert_events  # noqa: F401  (registers it with workers)
from core.audit.tasks import prune_audit_log  # noqa: F401  (registers it with workers)
from core.integrations import tasks as integration_tasks  # noqa: F401  (registers them)
from core.metrics_history import tasks as metrics_history_tasks  # noqa: F401  (registers them)
from core.push import tasks as push_tasks  # noqa: F401  (registers them with workers)
from core.sampling import tasks as sampling_tasks  # noqa: F401  (registers them with workers)
from core.schedules import tasks as schedule_tasks  # noqa: F401  (registers them with workers)
from core.stacks.tasks import run_stack_operation  # noqa: F401  (registers it with workers)
from core.webhooks import tasks as webhook_tasks  # noqa: F401  (registers them with workers)


@shared_task(name="core.ping")
def ping() -> str:
    """Round-trip probe: proves a worker consumes the broker and reports results."""
    return "pong"
