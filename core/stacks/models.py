"""Compose deployments: a stack's stored compose files (versions) and the operations run on it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.accounts.models import Organization
from core.hosts.models import DockerHost


class Stack(models.Model):
    """A compose project Cockpit deploys from a stored file. `name` is the compose project
    name on the host; `current_version` is the version last deployed successfully."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stacks")
    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="stacks")
    name = models.CharField(max_length=64)
    current_version = models.ForeignKey(
        "StackVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.CharField(max_length=256, blank=True)
    updated_by = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["host", "name"], name="stack_unique_host_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.host_id}"


class StackVersion(models.Model):
    """One stored compose file (and optional env file) of a stack, numbered from 1."""

    stack = models.ForeignKey(Stack, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    compose = models.TextField()
    env = models.TextField(blank=True, help_text="Env file for interpolation; empty: none.")
    note = models.CharField(max_length=256, blank=True)
    created_by = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["stack", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["stack", "number"], name="stackversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.stack.name} v{self.number}"


class OperationKind(models.TextChoices):
    DEPLOY = "deploy", "Deploy (up -d)"
    PULL = "pull", "Pull images"
    DOWN = "down", "Down"
    ROLLBACK = "rollback", "Roll back and deploy"
    DELETE = "delete", "Down and forget"


class OperationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class StackOperation(models.Model):
    """A long compose command run by a worker. It outlives a deleted stack (`stack` becomes
    null, `stack_name` stays) so its output can still be read."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="+")
    stack = models.ForeignKey(
        Stack, null=True, blank=True, on_delete=models.SET_NULL, related_name="operations"
    )
    stack_name = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=OperationKind.choices)
    status = models.CharField(
        max_length=16, choices=OperationStatus.choices, default=OperationStatus.QUEUED
    )
    version = models.ForeignKey(
        StackVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    error = models.CharField(max_length=2000, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    requested_by = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The running worker's lease (core.leases): renewed while compose runs; a redelivered
    # message takes the operation over once it is older than STACK_OPERATION_LEASE_SECONDS.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one queued or running operation per stack, whatever the number of web
            # replicas racing to start one.
            models.UniqueConstraint(
                fields=["stack"],
                condition=Q(status__in=["queued", "running"]),
                name="stackoperation_one_active_per_stack",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.stack_name} ({self.status})"


class StackOperationLine(models.Model):
    """One line of an operation's output, numbered from 1 in the order compose printed it."""

    operation = models.ForeignKey(StackOperation, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["operation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "number"], name="stackoperationline_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id}:{self.number} {self.text[:60]}"
