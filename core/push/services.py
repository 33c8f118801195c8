"""Push registration and `notify`, the one call other features make to alert phones:

    from core.push.services import notify
    queued = notify(org_id, "CPU high", "cpu_percent 97 > 90", {"type": "alert_rule"}, "critical")

`notify(org_id, title, body, data, severity, *, user_id=None) -> int`
- recipients: the push tokens registered in that organisation (all its members' devices), or
  only those of `user_id` when given; never another organisation's (spec §14.31);
- severity "info" | "warn" | "critical" picks the delivery (sound, channel, interruption
  level, spec §6.7); anything else is delivered as "warn";
- each token spends one message of its rolling-hour budget (10 non-critical, 20 critical, in
  separate buckets, shared by every process); a message over budget is dropped, logged at
  WARNING and counted (`dropped_count(org_id)`);
- the remaining messages are sent by Celery tasks in chunks of 100 (after the caller's
  transaction commits), so notify does no network I/O;
- `data` is made JSON-safe (datetimes as ISO strings, anything else as its str());
- returns the number of messages queued, and never raises (failures are logged; 0 returned).
"""

import json
import logging
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.accounts.models import Role
from core.push import budget
from core.push.delivery import chunks, message, severity_of
from core.push.models import PushToken
from core.push.tokens import is_expo_push_token

log = logging.getLogger(__name__)

DROPPED_KEY = "cockpit:push:dropped:{org_id}"
DROPPED_TTL = 30 * 24 * 3600


class PushTokenInvalid(ValueError):
    pass


class _LenientEncoder(DjangoJSONEncoder):
    """Datetimes and the like as Django renders them; anything else as its str()."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def register(org_id: int, principal, token: object) -> PushToken:
    """Upsert on (org, token): a device registered again, by anyone, belongs to the latest
    registrant."""
    if token is None or token == "":
        raise PushTokenInvalid("token required")
    if not is_expo_push_token(token):
        raise PushTokenInvalid("Invalid Expo push token")
    row, _ = PushToken.objects.update_or_create(
        org_id=org_id,
        token=token,
        defaults={
            "user_id": principal.user_id,
            "subject": principal.subject[:128],
            "server_name": settings.SERVER_NAME[:128],
            "updated_at": timezone.now(),
        },
    )
    return row


def unregister(org_id: int, principal, token: object) -> int:
    """Remove a device's token from the organisation; how many rows went (0 or 1). Members
    remove their own registrations; admins any of the organisation's."""
    if token is None or token == "":
        raise PushTokenInvalid("token required")
    if not isinstance(token, str):
        raise PushTokenInvalid("Invalid Expo push token")
    rows = PushToken.objects.filter(org_id=org_id, token=token)
    if not principal.has_role(Role.ADMIN):
        rows = rows.filter(subject=principal.subject)
    deleted, _ = rows.delete()
    return deleted


def tokens_of(org_id: int, principal):
    """The caller's own registrations in the organisation."""
    return PushToken.objects.filter(org_id=org_id, subject=principal.subject).order_by(
        "-updated_at", "-id"
    )


def dropped_count(org_id: int) -> int:
    """Messages dropped over budget for the organisation in the last 30 days (approximate)."""
    return int(cache.get(DROPPED_KEY.format(org_id=org_id)) or 0)


def _count_dropped(org_id: int, how_many: int) -> None:
    key = DROPPED_KEY.format(org_id=org_id)
    try:
        if not cache.add(key, how_many, DROPPED_TTL):
            cache.incr(key, how_many)
    except Exception:
        log.debug("Could not count dropped pushes", exc_info=True)


def _enqueue(org_id: int, messages: list[dict]) -> None:
    from core.push.tasks import send_chunk

    send_chunk.delay(org_id, messages)


def notify(
    org_id: int, title: str, body: str, data: dict, severity: str, *, user_id: int | None = None
) -> int:
    try:
        data = json.loads(json.dumps(dict(data or {}), cls=_LenientEncoder))
        return _notify(org_id, str(title), str(body), data, severity, user_id)
    except Exception:
        log.exception("Push notify for org %s failed", org_id)
        return 0


def _notify(org_id, title, body, data, severity, user_id) -> int:
    severity = severity_of(severity)
    critical = severity == "critical"
    recipients = PushToken.objects.filter(org_id=org_id)
    if user_id is not None:
        recipients = recipients.filter(user_id=user_id)
    messages, dropped = [], 0
    for token in recipients.order_by("id").values_list("token", flat=True):
        if budget.take(token, critical):
            messages.append(message(token, title, body, data, severity))
        else:
            dropped += 1
    if dropped:
        _count_dropped(org_id, dropped)
        log.warning(
            "Push budget: dropped %s %s message(s) for org %s (%r); limit %s per device per hour",
            dropped, severity, org_id, title[:80], budget.limit_for(critical),
        )  # fmt: skip
    for chunk in chunks(messages):
        transaction.on_commit(partial(_enqueue, org_id, chunk), robust=True)
    return len(messages)
