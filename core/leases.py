"""Leases on rows a worker is running (schedule runs, stack operations), so a redelivered
message (`acks_late`) can tell a live execution from one whose worker died.

The lease is a timestamp column of the running row: the execution holding it wrote it and, for
a long job, keeps moving it forward (`Lease.renew_if_due`). Another execution may take the row
over once the timestamp is older than the lease length (`take_over`), and does so with a
conditional UPDATE from the value it read, so of any number of racing executions exactly one
gets it. The new value also fences the old holder: every write it makes is conditional on its
own value (`Lease.mine`), so a worker that was only slow, not dead, stops at its next write
(LeaseLost) instead of carrying on next to the one that took over.
"""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone


class LeaseHeld(Exception):
    """Another execution holds the lease; try again in `retry_in` seconds."""

    def __init__(self, label: str, retry_in: float):
        super().__init__(f"{label} is running elsewhere")
        self.retry_in = retry_in


class LeaseLost(Exception):
    """Another execution took the row over: this one must stop and leave the row alone."""


def take_over(
    running: models.QuerySet, field: str, seconds: float, now: datetime
) -> tuple[models.Model, datetime | None] | None:
    """Claim the row of `running` (a queryset of one row, filtered to its running state) whose
    `field` lease has run out, by moving it to `now`. Returns (row, the abandoned lease's
    value), or None when there is no such row (finished) or another execution took it over
    first; raises LeaseHeld while the lease holds. A null lease has never been held: expired."""
    row = running.first()
    if row is None:
        return None
    stamp = getattr(row, field)
    if stamp is not None:
        expires = stamp + timedelta(seconds=seconds)
        if expires > now:
            label = f"{row._meta.verbose_name} {row.pk}"
            raise LeaseHeld(label, (expires - now).total_seconds() + 1)
    if not running.filter(**{field: stamp}).update(**{field: now}):
        return None
    setattr(row, field, now)
    return row, stamp


class Lease:
    """This execution's hold on a running row: `stamp` is the value it last wrote into `field`;
    `renew_if_due` moves it forward at most every `renew_every` seconds."""

    def __init__(self, running: models.QuerySet, field: str, stamp: datetime, renew_every: float):
        self.running, self.field, self.stamp = running, field, stamp
        self.renew_every = renew_every

    def mine(self) -> models.QuerySet:
        """The row while this execution still holds it: make every write through this."""
        return self.running.filter(**{self.field: self.stamp})

    def renew_if_due(self) -> None:
        now = timezone.now()
        if (now - self.stamp).total_seconds() < self.renew_every:
            return
        if not self.mine().update(**{self.field: now}):
            raise LeaseLost()
        self.stamp = now


def run_or_retry(task, work, *args):
    """`work(*args)` in a bound Celery task; while another execution holds the lease, the task
    is retried when it should have run out."""
    try:
        return work(*args)
    except LeaseHeld as busy:
        raise task.retry(countdown=busy.retry_in) from None
