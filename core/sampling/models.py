"""What the sampler remembers about each container between samples, in the database so that a
restart of every process neither re-fires a state change nor forgets a crash loop (spec §14.27).
"""

from django.db import models
from django.utils import timezone

from core.hosts.models import DockerHost


class ContainerWatch(models.Model):
    """One container of one host as of its previous sample: its state (for transitions) and
    its restart-count window (for crash loops, spec §6.5). A container that disappears from
    the engine's list loses its row."""

    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="+")
    container_id = models.CharField(max_length=128)
    name = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=32)
    restart_count = models.IntegerField(null=True, blank=True, help_text="Last seen; the baseline.")
    window_started_at = models.DateTimeField(null=True, blank=True)
    rises = models.PositiveIntegerField(default=0)
    alerted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["host", "container_id"], name="containerwatch_unique_host_container"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.container_id[:12]} on host {self.host_id}: {self.state}"
