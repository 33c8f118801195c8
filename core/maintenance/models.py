from django.db import models
from django.utils import timezone

from core.accounts.models import Organization


class MaintenanceMode(models.Model):
    """One row per organisation that ever toggled maintenance; no row means off."""

    org = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="maintenance"
    )
    enabled = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now, help_text="When it last changed.")
    changed_by = models.CharField(max_length=256, blank=True, help_text="Who last changed it.")

    class Meta:
        verbose_name = "maintenance mode"
        verbose_name_plural = "maintenance modes"

    def __str__(self) -> str:
        return f"{self.org_id}: {'on' if self.enabled else 'off'}"
