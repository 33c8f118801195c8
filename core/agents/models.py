"""What the control plane keeps about the agents of `agent` hosts: one-time enrollment tokens
and the long-lived credential an enrolled agent authenticates with. Both store hashes only."""

from django.db import models
from django.utils import timezone

from core.hosts.models import DockerHost


class EnrollmentToken(models.Model):
    """Shown once to the admin who created the host; exchanged once by its agent."""

    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="enrollment_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"enrollment token of host {self.host_id}"


class AgentCredential(models.Model):
    """The enrolled agent of one host: the hash of its secret (presented with every heartbeat
    and shipped sample) and what it said about itself when it enrolled."""

    host = models.OneToOneField(
        DockerHost, on_delete=models.CASCADE, primary_key=True, related_name="agent_credential"
    )
    secret_hash = models.CharField(max_length=64)
    enrolled_at = models.DateTimeField(default=timezone.now)
    agent_hostname = models.CharField(max_length=255, blank=True)
    agent_version = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"agent of host {self.host_id}"
