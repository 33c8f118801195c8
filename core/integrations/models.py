"""Data-source integrations of an organisation and the points their polls stored."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.accounts.models import Organization

MIN_POLL_INTERVAL = 10
MAX_POLL_INTERVAL = 86400
DEFAULT_POLL_INTERVAL = 30


class PollStatus(models.TextChoices):
    OK = "ok", "OK"
    ERROR = "error", "Error"


class PointType(models.TextChoices):
    METRIC = "metric", "Metric"
    EVENT = "event", "Event"
    ALERT = "alert", "Alert"


class Integration(models.Model):
    """One configured adapter. `encrypted_config` holds the config JSON encrypted with the
    integrations key ring (core.integrations.crypto); it is never stored in clear.

    Scheduling: `next_poll_at` is when the beat tick may claim it next; a claimed poll holds a
    lease (`lease_id` until `lease_until`) so two polls of one integration never overlap."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="integrations")
    adapter = models.CharField(max_length=64)
    name = models.CharField(max_length=128)
    encrypted_config = models.TextField()
    poll_interval = models.PositiveIntegerField(
        default=DEFAULT_POLL_INTERVAL,
        validators=[MinValueValidator(MIN_POLL_INTERVAL), MaxValueValidator(MAX_POLL_INTERVAL)],
        help_text="Seconds between polls (10-86400).",
    )
    enabled = models.BooleanField(default=True)
    last_pull = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=8, choices=PollStatus.choices, blank=True)
    last_error = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    lease_id = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["enabled", "next_poll_at"], name="integration_due"),
            models.Index(fields=["org", "-created_at"], name="integration_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.adapter})"


class IntegrationData(models.Model):
    """One normalized point (spec §3.10) a poll stored; kept INTEGRATION_DATA_RETENTION_DAYS."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="data_points"
    )
    type = models.CharField(max_length=8, choices=PointType.choices)
    data = models.JSONField()
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["integration", "-timestamp"], name="integrationdata_timeline"),
            models.Index(fields=["created_at"], name="integrationdata_created"),
        ]
        verbose_name_plural = "integration data"

    def __str__(self) -> str:
        return f"{self.type} of {self.integration_id} at {self.timestamp:%Y-%m-%d %H:%M:%S}"
