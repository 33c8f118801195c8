"""Maintenance mode, for the features it silences:

    from core.maintenance.services import is_on, set_state
    if is_on(org_id): ...                      # cheap: one shared-cache read
    set_state(org_id, True, by="alice@x.io")   # persists, invalidates, announces

`is_on` reads the shared cache (Redis, or the embedded file cache) and falls back to the
database; `set_state` writes the database and refreshes the cached value once the change
commits, so every process sees it on its next call. A change is announced on the live
stream as event `maintenance` with `{enabled, since, by}`.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.maintenance.models import MaintenanceMode
from core.stream.publish import publish

CACHE_PREFIX = "maintenance:on:"
# Bounds how long a reader that raced a change (read the old row, cached it after the change
# refreshed the entry) can keep the old value.
CACHE_TTL_SECONDS = 60
STREAM_EVENT = "maintenance"


@dataclass(frozen=True)
class MaintenanceState:
    enabled: bool
    since: datetime | None  # when it entered its current state (None: never toggled)
    by: str  # who put it in that state ("" if never toggled)

    def as_json(self) -> dict:
        since = self.since.isoformat().replace("+00:00", "Z") if self.since else None
        return {"enabled": self.enabled, "since": since, "by": self.by or None}


def _key(org_id: int) -> str:
    return f"{CACHE_PREFIX}{int(org_id)}"


def state_of(org_id: int) -> MaintenanceState:
    row = MaintenanceMode.objects.filter(org_id=org_id).first()
    if row is None:
        return MaintenanceState(enabled=False, since=None, by="")
    return MaintenanceState(enabled=row.enabled, since=row.changed_at, by=row.changed_by)


def is_on(org_id: int) -> bool:
    cached = cache.get(_key(org_id))
    if cached is not None:
        return bool(cached)
    enabled = MaintenanceMode.objects.filter(org_id=org_id, enabled=True).exists()
    cache.set(_key(org_id), int(enabled), timeout=CACHE_TTL_SECONDS)
    return enabled


def _changed(org_id: int, state: MaintenanceState) -> None:
    cache.set(_key(org_id), int(state.enabled), timeout=CACHE_TTL_SECONDS)
    publish(org_id, STREAM_EVENT, state.as_json())


@transaction.atomic
def set_state(org_id: int, enabled: bool, by: str) -> MaintenanceState:
    """Turn maintenance on or off for the organisation. `by` names who did it (an audit
    name). Setting the current state again changes nothing and announces nothing."""
    enabled = bool(enabled)
    row = MaintenanceMode.objects.select_for_update().filter(org_id=org_id).first()
    if row is None:
        if not enabled:
            return MaintenanceState(enabled=False, since=None, by="")
        row = MaintenanceMode(org_id=org_id)
    elif row.enabled == enabled:
        return MaintenanceState(enabled=row.enabled, since=row.changed_at, by=row.changed_by)
    row.enabled = enabled
    row.changed_at = timezone.now()
    row.changed_by = (by or "")[:256]
    row.save()
    state = MaintenanceState(enabled=row.enabled, since=row.changed_at, by=row.changed_by)
    cache.delete(_key(org_id))  # this transaction reads the new row at once
    transaction.on_commit(partial(_changed, org_id, state), robust=True)
    return state
