"""Expo push tokens, registered per organisation by whoever holds the device."""

from django.db import models
from django.utils import timezone

from core.accounts.models import Organization, User


class PushToken(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="push_tokens")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="push_tokens"
    )
    # The registering principal's token subject: a user id, "apikey:<id>" or "admin".
    subject = models.CharField(max_length=128)
    token = models.CharField(max_length=255)
    server_name = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "token"], name="pushtoken_unique_org_token")
        ]

    def __str__(self) -> str:
        return f"{self.token[:24]}... ({self.org_id})"
