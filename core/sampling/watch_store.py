"""Load and save the per-container watches of one host (core.sampling.models.ContainerWatch):
one read per sample, and writes only for what changed."""

from datetime import datetime

from django.db import transaction

from core.hosts.models import DockerHost
from core.sampling.models import ContainerWatch
from core.sampling.transitions import Watch

FIELDS = ("name", "state", "restart_count", "window_started_at", "rises", "alerted")


def _watch(row: ContainerWatch) -> Watch:
    return Watch(**{name: getattr(row, name) for name in FIELDS})


def load(host: DockerHost) -> dict[str, Watch]:
    return {row.container_id: _watch(row) for row in ContainerWatch.objects.filter(host=host)}


def save(host: DockerHost, before: dict[str, Watch], after: dict[str, Watch], now: datetime):
    """Write the difference between two sets of watches: new containers, changed ones, and
    the ones that disappeared (forgotten)."""
    gone = [container_id for container_id in before if container_id not in after]
    new = [
        ContainerWatch(
            host=host,
            container_id=container_id,
            updated_at=now,
            **{name: getattr(watch, name) for name in FIELDS},
        )
        for container_id, watch in after.items()
        if container_id not in before
    ]
    changed = {
        container_id: watch
        for container_id, watch in after.items()
        if container_id in before and before[container_id] != watch
    }
    with transaction.atomic():
        if gone:
            ContainerWatch.objects.filter(host=host, container_id__in=gone).delete()
        if new:
            ContainerWatch.objects.bulk_create(new, ignore_conflicts=True)
        if changed:
            rows = list(ContainerWatch.objects.filter(host=host, container_id__in=list(changed)))
            for row in rows:
                for name in FIELDS:
                    setattr(row, name, getattr(changed[row.container_id], name))
                row.updated_at = now
            ContainerWatch.objects.bulk_update(rows, [*FIELDS, "updated_at"])
