"""Metrics-history jobs for beat: roll-ups every 5 minutes, retention hourly."""

import logging

from celery import shared_task

from core.hosts.models import DockerHost
from core.metrics_history import retention, rollups

log = logging.getLogger(__name__)


def _each_host(job, name: str) -> int:
    """Run `job(host)` for every host; one host's failure does not stop the others."""
    done = 0
    for host in DockerHost.objects.order_by("pk"):
        try:
            job(host)
            done += 1
        except Exception:
            log.exception("metrics history %s failed for host %s", name, host.pk)
    return done


@shared_task(name="core.metrics_history.rollup", ignore_result=True)
def rollup_metrics() -> int:
    return _each_host(rollups.rollup, "roll-up")


@shared_task(name="core.metrics_history.prune", ignore_result=True)
def prune_metrics() -> int:
    def prune(host):
        retention.prune_raw(host)
        retention.prune_rollups(host)

    return _each_host(prune, "prune")
