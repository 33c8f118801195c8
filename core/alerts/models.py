"""Alert rules of an organisation, the persisted state of each (rule, host) pair, the events
rules record, and the per-host evaluation cursor."""

from django.db import models
from django.utils import timezone

from core.accounts.models import Organization
from core.alerts.definitions import DEFAULT_SEVERITY, METRICS, OPERATORS, SEVERITIES
from core.hosts.models import DockerHost

METRIC_CHOICES = [(name, name) for name in METRICS]
OPERATOR_CHOICES = [(name, name) for name in OPERATORS]
SEVERITY_CHOICES = [(name, name) for name in SEVERITIES]


class AlertRule(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_rules")
    host = models.ForeignKey(
        DockerHost,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text="Only this host; empty: every host of the organisation.",
    )
    name = models.CharField(max_length=128)
    metric = models.CharField(max_length=32, choices=METRIC_CHOICES)
    operator = models.CharField(max_length=2, choices=OPERATOR_CHOICES)
    threshold = models.FloatField()
    duration_seconds = models.PositiveIntegerField(default=0)
    severity = models.CharField(max_length=16, choices=SEVERITY_CHOICES, default=DEFAULT_SEVERITY)
    clear_threshold = models.FloatField(
        null=True, blank=True, help_text="Empty: threshold ∓ max(5 %, 1)."
    )
    clear_duration_seconds = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "enabled"], name="alertrule_org_enabled")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(operator__in=OPERATORS), name="alertrule_operator_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=SEVERITIES), name="alertrule_severity_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.metric} {self.operator} {self.threshold}"


class AlertState(models.Model):
    """What the engine remembers about one rule on one host between samples (spec §6.3's
    in-memory state, kept here so a restart neither loses nor repeats an alert). A row exists
    from the first breaching sample until the alert resolves or the rule is disabled/deleted;
    `notified_at` set means the alert is active (it fired, or the cold-start guard counted it
    as fired)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="states")
    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="alert_states")
    triggered_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    clearing_since = models.DateTimeField(null=True, blank=True)
    clear_ticks = models.PositiveIntegerField(default=0)
    last_value = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "host"], name="alertstate_unique_rule_host"),
        ]
        indexes = [models.Index(fields=["host"], name="alertstate_host")]

    def __str__(self) -> str:
        return f"rule {self.rule_id} on host {self.host_id}"


class EvaluatedHost(models.Model):
    """The evaluation cursor of one host: the last sample evaluated. Claiming a sample is a
    conditional UPDATE of this row, which serialises evaluators of one host and makes a sample
    evaluated twice a no-op; a host without a row has never been evaluated (cold start)."""

    host = models.OneToOneField(
        DockerHost, on_delete=models.CASCADE, primary_key=True, related_name="alert_cursor"
    )
    first_sampled_at = models.DateTimeField()
    last_sampled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"host {self.host_id} evaluated up to {self.last_sampled_at}"


class AlertEvent(models.Model):
    """A rule fired (or reminded) or resolved. Rule and host names are copied so the row stays
    readable after either is deleted."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_events")
    rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    host = models.ForeignKey(
        DockerHost, on_delete=models.SET_NULL, null=True, blank=True, related_name="alert_events"
    )
    kind = models.CharField(max_length=16, default="fired", help_text="fired or resolved")
    rule_name = models.CharField(max_length=128)
    host_name = models.CharField(max_length=128, blank=True)
    metric = models.CharField(max_length=32)
    value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    message = models.TextField()
    severity = models.CharField(max_length=16, choices=SEVERITY_CHOICES, default=DEFAULT_SEVERITY)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "-created_at"], name="alertevent_org_created"),
            models.Index(fields=["created_at"], name="alertevent_created"),
        ]

    def __str__(self) -> str:
        return self.message
