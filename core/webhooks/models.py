"""Outbound webhooks of an organisation and the log of every delivery attempt."""

from django.db import models
from django.utils import timezone

from core.accounts.models import Organization


class Webhook(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=128)
    url = models.CharField(max_length=2048)
    events = models.JSONField(default=list, help_text="Event names, or ['*'] for all.")
    headers = models.JSONField(default=dict, blank=True, help_text="Custom request headers.")
    # Kept in clear: every delivery is signed with it. Shown to the API user once, on creation.
    secret = models.CharField(max_length=128)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "enabled"], name="webhook_org_enabled")]

    def __str__(self) -> str:
        return f"{self.name} ({self.org_id})"


class WebhookDelivery(models.Model):
    """One attempt to deliver one event. Attempts of the same delivery share `delivery_id`
    (the X-Cockpit-Delivery header) and count up in `attempt`."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(db_index=True)
    event = models.CharField(max_length=64)
    attempt = models.PositiveSmallIntegerField(default=1)
    success = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True, help_text="Of the API request.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["webhook", "-created_at"], name="webhookdelivery_hook_created"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} to webhook {self.webhook_id}"
