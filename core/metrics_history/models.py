"""The three tiers of metrics history (spec §9.1), per host, and each host's roll-up progress."""

from django.db import models
from django.utils import timezone

from core.hosts.models import DockerHost

METRICS = ("cpu", "memory", "disk", "load", "container_total", "container_running")


class MetricsSample(models.Model):
    """One sample of one host (raw tier). A figure that could not be read is NULL."""

    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="+")
    cpu_percent = models.FloatField(null=True)
    memory_percent = models.FloatField(null=True)
    disk_percent = models.FloatField(null=True)
    load_1 = models.FloatField(null=True)
    container_total = models.IntegerField(null=True)
    container_running = models.IntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["host", "created_at"], name="metricssample_host_created")]

    def __str__(self) -> str:
        return f"host {self.host_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class Rollup(models.Model):
    """One bucket: `bucket_start` is epoch seconds floored to the UTC hour (or day); min, max
    and average of each figure; `sample_count` = raw samples with a CPU figure."""

    host = models.ForeignKey(DockerHost, on_delete=models.CASCADE, related_name="+")
    bucket_start = models.BigIntegerField()
    cpu_min = models.FloatField(null=True)
    cpu_max = models.FloatField(null=True)
    cpu_avg = models.FloatField(null=True)
    memory_min = models.FloatField(null=True)
    memory_max = models.FloatField(null=True)
    memory_avg = models.FloatField(null=True)
    disk_min = models.FloatField(null=True)
    disk_max = models.FloatField(null=True)
    disk_avg = models.FloatField(null=True)
    load_min = models.FloatField(null=True)
    load_max = models.FloatField(null=True)
    load_avg = models.FloatField(null=True)
    container_total_min = models.IntegerField(null=True)
    container_total_max = models.IntegerField(null=True)
    container_total_avg = models.FloatField(null=True)
    container_running_min = models.IntegerField(null=True)
    container_running_max = models.IntegerField(null=True)
    container_running_avg = models.FloatField(null=True)
    sample_count = models.IntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"host {self.host_id} bucket {self.bucket_start}"


class HourlyRollup(Rollup):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "bucket_start"], name="hourlyrollup_unique")
        ]


class DailyRollup(Rollup):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "bucket_start"], name="dailyrollup_unique")
        ]


class RollupState(models.Model):
    """A host's roll-up progress (the original's `app_state` keys, per host): the one-time
    backfill flag and the start of the last bucket each tier has rolled."""

    host = models.OneToOneField(DockerHost, on_delete=models.CASCADE, related_name="+")
    backfill_done = models.BooleanField(default=False)
    hourly_watermark = models.BigIntegerField(null=True, blank=True)
    daily_watermark = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"roll-up state of host {self.host_id}"
