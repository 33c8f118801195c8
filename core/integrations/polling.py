"""The poll engine (spec §3.9, run by Celery: core.integrations.tasks).

- `claim_due()`: the beat tick (every 10 s) takes every enabled integration whose
  `next_poll_at` has come and whose lease is free, each with a conditional UPDATE that moves
  `next_poll_at` one interval on and takes a lease. Two ticks racing for one row: the second
  UPDATE matches nothing. So any number of beats/workers never poll one integration twice at
  once, and a changed interval or switch-on is seen at the next tick (no restart).
- `run_poll()`: one poll under a lease: pull, store each point, record the outcome, release
  the lease, publish `integration_data` on the live stream.
- `poll_now()`: the same, synchronously, for `POST /api/integrations/:id/poll`.
- `prune_old_data()`: points older than INTEGRATION_DATA_RETENTION_DAYS (by `created_at`).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.integrations import points as point_shapes
from core.integrations.adapters.base import safe_message
from core.integrations.crypto import ConfigUndecryptable
from core.integrations.errors import PollInProgress
from core.integrations.models import Integration, IntegrationData, PointType, PollStatus
from core.integrations.registry import UnknownAdapter
from core.integrations.services import build_adapter
from core.stream.publish import publish

log = logging.getLogger(__name__)

CLAIM_BATCH = 500
STREAM_POINTS = 50  # points per `integration_data` stream event
STREAM_EVENT = "integration_data"


@dataclass(frozen=True)
class PollOutcome:
    ok: bool
    status: str
    error: str | None
    points: int

    def as_json(self) -> dict:
        body = {"ok": self.ok, "status": self.status, "points": self.points}
        if self.error:
            body["error"] = self.error
        return body


def _lease_seconds() -> timedelta:
    return timedelta(seconds=settings.INTEGRATION_POLL_LEASE_SECONDS)


def _lease_free(now: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lte=now)


def due_candidates(now: datetime, batch: int = CLAIM_BATCH) -> list[tuple]:
    """(pk, next_poll_at, poll_interval) of enabled integrations due at `now` whose lease is
    free. Reading is not claiming: another tick may read the same rows."""
    return list(
        Integration.objects.filter(enabled=True, next_poll_at__lte=now)
        .filter(_lease_free(now))
        .order_by("next_poll_at")
        .values_list("pk", "next_poll_at", "poll_interval")[:batch]
    )


def claim(candidate: tuple, now: datetime) -> str | None:
    """Take one candidate: a lease id, or None when another tick took it first (the row no
    longer has the `next_poll_at` read, or its lease is held)."""
    pk, due_at, interval = candidate
    lease_id = uuid.uuid4()
    won = (
        Integration.objects.filter(pk=pk, enabled=True, next_poll_at=due_at)
        .filter(_lease_free(now))
        .update(
            next_poll_at=now + timedelta(seconds=interval),
            lease_id=lease_id,
            lease_until=now + _lease_seconds(),
        )
    )
    return str(lease_id) if won else None


def claim_due(now: datetime | None = None, batch: int = CLAIM_BATCH) -> list[tuple[str, str]]:
    """(integration id, lease id) of every due integration this caller won."""
    now = now or timezone.now()
    claimed = []
    for candidate in due_candidates(now, batch):
        lease_id = claim(candidate, now)
        if lease_id is not None:
            claimed.append((str(candidate[0]), lease_id))
    return claimed


def take_lease(integration: Integration) -> str:
    """A lease for a poll on demand; PollInProgress (409) while another poll holds one."""
    now = timezone.now()
    lease_id = uuid.uuid4()
    won = (
        Integration.objects.filter(pk=integration.pk)
        .filter(_lease_free(now))
        .update(lease_id=lease_id, lease_until=now + _lease_seconds())
    )
    if not won:
        raise PollInProgress()
    return str(lease_id)


def _pull(integration: Integration) -> tuple[list[dict], str | None]:
    try:
        adapter = build_adapter(integration)
        return adapter.pull(), None
    except ConfigUndecryptable as exc:
        return [], exc.message
    except UnknownAdapter as exc:
        return [], exc.message
    except Exception as exc:
        message = safe_message(exc)
        if message.startswith("Unexpected"):
            log.exception("poll of integration %s failed unexpectedly", integration.pk)
        return [], message


def _normalized(integration: Integration, pulled) -> list[dict]:
    if not isinstance(pulled, list):
        return []
    limit = settings.INTEGRATION_MAX_POINTS_PER_POLL
    kept = [p for p in pulled if isinstance(p, dict) and p.get("type") in PointType.values]
    return [point_shapes.tag(p, integration.adapter, str(integration.pk)) for p in kept[:limit]]


def run_poll(integration_id: str, lease_id: str, *, reschedule: bool = False) -> PollOutcome:
    """One poll of an integration whose lease `lease_id` the caller holds. `reschedule`
    (polls on demand) starts a fresh interval from now."""
    integration = Integration.objects.filter(pk=integration_id, lease_id=lease_id).first()
    if integration is None:  # deleted, or the lease expired and went to another poll
        return PollOutcome(False, "skipped", "The poll lease was lost", 0)
    pulled, error = _pull(integration)
    tagged = _normalized(integration, pulled) if error is None else []
    finished = timezone.now()
    status = PollStatus.ERROR if error else PollStatus.OK
    changes = {
        "last_status": status,
        "last_error": (error or "")[:2000],
        "last_pull": finished,
        "lease_id": None,
        "lease_until": None,
    }
    if reschedule and integration.enabled:
        changes["next_poll_at"] = finished + timedelta(seconds=integration.poll_interval)
    with transaction.atomic():
        recorded = Integration.objects.filter(pk=integration.pk, lease_id=lease_id).update(
            **changes
        )
        if recorded and tagged:
            IntegrationData.objects.bulk_create(
                IntegrationData(
                    integration_id=integration.pk,
                    type=point["type"],
                    data=point,
                    timestamp=point_shapes.parse_timestamp(point),
                    created_at=finished,
                )
                for point in tagged
            )
    if recorded and tagged:
        publish(
            integration.org_id,
            STREAM_EVENT,
            {
                "integrationId": str(integration.pk),
                "adapter": integration.adapter,
                "name": integration.name,
                "points": tagged[:STREAM_POINTS],
            },
        )
    stored = len(tagged) if recorded else 0
    return PollOutcome(error is None, status, error, stored)


def poll_now(integration: Integration) -> PollOutcome:
    return run_poll(str(integration.pk), take_lease(integration), reschedule=True)


def prune_old_data(now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.INTEGRATION_DATA_RETENTION_DAYS)
    deleted, _ = IntegrationData.objects.filter(created_at__lt=cutoff).delete()
    return deleted
