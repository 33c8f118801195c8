"""Docker hosts: each belongs to one organisation, and one of them is its default."""

from django.db import models
from django.utils import timezone

from core.accounts.models import Organization


class HostKind(models.TextChoices):
    LOCAL = "local", "Local engine socket"
    TCP = "tcp", "Docker API over TLS"
    AGENT = "agent", "Celery agent on the host"


class HostStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"


class DockerHost(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="hosts")
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=64)
    kind = models.CharField(max_length=16, choices=HostKind.choices, default=HostKind.LOCAL)
    base_url = models.CharField(
        max_length=512,
        blank=True,
        help_text="Engine address for local/tcp hosts, e.g. unix:///var/run/docker.sock.",
    )
    is_default = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=HostStatus.choices, default=HostStatus.UNKNOWN)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    tls_material = models.TextField(
        blank=True,
        default="",
        help_text="tcp hosts: client certificate, key and CA, encrypted (core.hosts.tls).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["org", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "slug"], name="dockerhost_unique_org_slug"),
            models.UniqueConstraint(
                fields=["org"],
                condition=models.Q(is_default=True),
                name="dockerhost_one_default_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.org.slug})"
