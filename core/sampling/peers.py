"""The features a sample feeds, owned elsewhere: alert evaluation, maintenance mode and push.

One module names them, so the sampler's service reads as a pipeline and its tests can record
what was handed over. Errors are the caller's to contain (see core.sampling.service).
"""

from datetime import datetime

from core.alerts import evaluation
from core.maintenance import services as maintenance
from core.push import services as push


def evaluate(host, values: dict, sampled_at: datetime) -> None:
    """The alert rules on this host sample (keys cpu_percent, memory_percent, disk_percent,
    load_1, container_stopped; None = unknown)."""
    evaluation.evaluate(host, values, sampled_at)


def maintenance_on(org_id: int) -> bool:
    return maintenance.is_on(org_id)


def notify(org_id: int, title: str, body: str, data: dict, severity: str) -> int:
    """A push to the organisation's devices (never raises; budgets apply)."""
    return push.notify(org_id, title, body, data, severity)
