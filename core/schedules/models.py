"""Cron-scheduled container and stack actions and the history of their runs.

Each Schedule owns one django-celery-beat PeriodicTask (with its own CrontabSchedule), which
is how beat learns about it: core.schedules.beat keeps the two in step, and deleting a
schedule (directly or through its organisation or host) deletes its periodic task.
"""

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.timezone import now
from django_celery_beat.models import PeriodicTask

from core.accounts.models import Organization
from core.hosts.models import DockerHost


class Action(models.TextChoices):
    START = "start"
    STOP = "stop"
    RESTART = "restart"


class Schedule(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="schedules")
    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=128)
    container_id = models.CharField(max_length=128)
    container_name = models.CharField(max_length=256)
    stack_name = models.CharField(
        max_length=64, blank=True, help_text="Set: the action applies to this compose stack."
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    cron_expression = models.CharField(max_length=256)
    timezone = models.CharField(max_length=64, default="UTC")
    enabled = models.BooleanField(default=True)
    last_run = models.DateTimeField(null=True, blank=True)
    next_run = models.DateTimeField(null=True, blank=True)
    periodic_task = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.CharField(max_length=256, blank=True, help_text="Audit name.")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "-created_at"], name="schedule_org_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.action} {self.target_name} @ {self.cron_expression})"

    @property
    def target_name(self) -> str:
        return f"stack {self.stack_name}" if self.stack_name else self.container_name


class Trigger(models.TextChoices):
    CRON = "cron"
    MANUAL = "manual"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ScheduleRun(models.Model):
    """One execution. A cron run is claimed by inserting its row: (schedule, scheduled_for) is
    unique, so a due minute runs once however many workers or redeliveries race for it."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    schedule_name = models.CharField(max_length=128)
    host_name = models.CharField(max_length=128, blank=True)
    container_id = models.CharField(max_length=128)
    container_name = models.CharField(max_length=256)
    stack_name = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    triggered_by = models.CharField(max_length=16, choices=Trigger.choices)
    requested_by = models.CharField(max_length=256, blank=True, help_text="Manual runs: who.")
    scheduled_for = models.DateTimeField(null=True, blank=True, help_text="Cron runs: the minute.")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    success = models.BooleanField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["org", "-started_at"], name="schedulerun_org_started")]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "scheduled_for"],
                condition=models.Q(scheduled_for__isnull=False),
                name="schedulerun_once_per_due_minute",
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule_name}: {self.action} {self.container_name} ({self.status})"


@receiver(post_delete, sender=Schedule, dispatch_uid="schedule-deletes-its-periodic-task")
def _delete_periodic_task(sender, instance: Schedule, **kwargs) -> None:
    from core.schedules.beat import remove_periodic_task

    remove_periodic_task(instance.periodic_task_id)
