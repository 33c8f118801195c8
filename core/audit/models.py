"""The audit log: who did what, in which organisation, from where (spec §10.5)."""

from django.db import models
from django.utils import timezone

from core.accounts.models import Organization


class AuditLog(models.Model):
    # Null for rows nobody's organisation owns: anonymous requests, platform staff in admin.
    org = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_logs"
    )
    user_id = models.CharField(max_length=256, help_text="Email, token subject or 'anonymous'.")
    action = models.CharField(max_length=512)
    target = models.CharField(max_length=512, blank=True)
    detail = models.TextField(blank=True)
    ip = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "-created_at"], name="auditlog_org_created"),
            models.Index(fields=["org", "action"], name="auditlog_org_action"),
            models.Index(fields=["org", "user_id"], name="auditlog_org_user"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.user_id} {self.action}"
