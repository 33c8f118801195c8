"""`core.push.services.notify`: recipients per organisation, the severity mapping and the
per-token budgets of spec §6.7 / §13.34, chunked sends to a local Expo stand-in, and
DeviceNotRegistered deleting the token."""

import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from cockpit.celery import app as celery_app
from core.accounts.models import Organization
from core.push import budget, services
from core.push.models import PushToken
from core.push.services import notify
from tests.core.outbound.receiver import Receiver, Reply


@pytest.fixture
def eager(settings, django_capture_on_commit_callbacks):
    """Celery tasks run in the caller; on_commit callbacks run at the end of the block."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def expo(settings):
    """A loopback stand-in for Expo; the environment policy admits it."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.EXPO_ACCESS_TOKEN = "expo-secret-token"
    with Receiver(Reply(200, b'{"data": []}')) as receiver:
        settings.EXPO_PUSH_URL = receiver.url("/--/api/v2/push/send")
        yield receiver


def add_tokens(org, count: int, user=None, prefix="dev") -> list[str]:
    tokens = [f"ExponentPushToken[{prefix}-{uuid.uuid4().hex[:12]}]" for _ in range(count)]
    PushToken.objects.bulk_create(
        PushToken(org=org, user=user, subject=str(user.pk if user else "1"), token=token)
        for token in tokens
    )
    return tokens


def sent_messages(receiver: Receiver) -> list[dict]:
    return [message for request in receiver.received for message in json.loads(request.body)]


# --- budgets (§13.34) ----------------------------------------------------------------------


def test_twenty_sends_to_one_token_queue_at_most_ten(org, caplog):
    add_tokens(org, 1)
    with caplog.at_level(logging.WARNING, logger="core.push.services"):
        queued = [notify(org.id, "t", "b", {}, "warn") for _ in range(20)]
    assert sum(queued) == 10
    assert queued[:10] == [1] * 10
    assert queued[10:] == [0] * 10
    assert services.dropped_count(org.id) == 10
    assert "Push budget: dropped 1 warn message(s)" in caplog.text  # not silent


def test_critical_budget_is_separate_and_caps_at_twenty(org):
    add_tokens(org, 1)
    for _ in range(10):
        notify(org.id, "t", "b", {}, "info")
    assert notify(org.id, "t", "b", {}, "warn") == 0  # info and warn share the bucket
    critical = [notify(org.id, "t", "b", {}, "critical") for _ in range(25)]
    assert sum(critical) == 20


def test_budget_rolls_after_an_hour():
    token = "ExponentPushToken[rolling]"
    start = 1_000_000.0
    for offset in range(10):
        assert budget.take(token, False, now=start + offset)
    assert not budget.take(token, False, now=start + 3599)
    assert budget.take(token, False, now=start + 3600.5)  # the first send left the window
    assert not budget.take(token, False, now=start + 3600.6)


def test_budget_is_per_token(org):
    add_tokens(org, 3)
    assert [notify(org.id, "t", "b", {}, "warn") for _ in range(11)] == [3] * 10 + [0]


@pytest.mark.redis
def test_budget_on_redis(redis_url):
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(redis_url, {})
    token = f"ExponentPushToken[{uuid.uuid4().hex}]"
    results = [
        budget.take(token, True, now=5_000_000.0 + index, cache=cache) for index in range(25)
    ]
    assert sum(results) == 20
    assert budget.take(token, False, now=5_000_030.0, cache=cache)  # separate bucket
    assert budget.take(token, True, now=5_003_600.5, cache=cache)


# --- recipients --------------------------------------------------------------------------


def test_recipients_are_the_orgs_tokens_only(org, other_org, member):
    add_tokens(org, 2)
    add_tokens(other_org, 5)
    assert notify(org.id, "t", "b", {}, "info") == 2
    assert notify(Organization.objects.create(name="Empty", slug="empty").id, "t", "b", {},
                  "info") == 0  # fmt: skip


def test_user_id_restricts_recipients(org, member):
    alice, bob = member("viewer"), member("viewer")
    add_tokens(org, 1, user=alice)
    add_tokens(org, 2, user=bob)
    assert notify(org.id, "t", "b", {}, "warn", user_id=bob.pk) == 2


def test_never_raises_and_makes_data_json_safe(org, expo, eager):
    add_tokens(org, 1)
    with eager():
        assert notify(org.id, "t", "b", {"at": datetime(2024, 1, 2, tzinfo=UTC), "x": {1}}, "warn")
    (message,) = sent_messages(expo)
    assert message["data"] == {"at": "2024-01-02T00:00:00Z", "x": "{1}"}
    assert notify("not-an-id", "t", "b", {}, "warn") == 0


# --- sending -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "level", "channel", "sound", "priority"),
    [
        ("critical", "time-sensitive", "cockpit-critical", "default", "high"),
        ("warn", "active", "cockpit-default", "default", "default"),
        ("info", "passive", "cockpit-info", None, "default"),
        ("bogus", "active", "cockpit-default", "default", "default"),
    ],
)
def test_severity_mapping_on_the_wire(org, expo, eager, severity, level, channel, sound, priority):
    (token,) = add_tokens(org, 1)
    with eager():
        assert notify(org.id, "Disk full", "disk 97%", {"type": "alert_rule"}, severity) == 1
    (request,) = expo.received
    assert request.path == "/--/api/v2/push/send"
    assert request.headers["authorization"] == "Bearer expo-secret-token"
    assert request.headers["content-type"] == "application/json"
    (message,) = json.loads(request.body)
    assert message == {
        "to": token,
        "title": "Disk full",
        "body": "disk 97%",
        "data": {"type": "alert_rule"},
        "sound": sound,
        "channelId": channel,
        "interruptionLevel": level,
        "priority": priority,
    }


def test_chunks_of_one_hundred(org, expo, eager):
    add_tokens(org, 250)
    with eager():
        assert notify(org.id, "t", "b", {}, "critical") == 250
    assert sorted(len(json.loads(request.body)) for request in expo.received) == [50, 100, 100]
    assert len({message["to"] for message in sent_messages(expo)}) == 250


def test_device_not_registered_deletes_that_token(org, other_org, settings, eager):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    gone, kept = add_tokens(org, 2)
    PushToken.objects.create(org=other_org, subject="9", token=gone)  # the same dead device
    tickets = {
        "data": [
            {"status": "error", "message": "not registered",
             "details": {"error": "DeviceNotRegistered"}},
            {"status": "ok", "id": "ticket-2"},
        ]
    }  # fmt: skip
    with Receiver(Reply(200, json.dumps(tickets).encode())) as receiver:
        settings.EXPO_PUSH_URL = receiver.url("/push")
        with eager():
            assert notify(org.id, "t", "b", {}, "warn") == 2
        # tickets are positional: the first message (oldest registration) was refused
        assert [message["to"] for message in sent_messages(receiver)] == [gone, kept]
    assert not PushToken.objects.filter(token=gone).exists()  # in every organisation
    assert PushToken.objects.filter(token=kept).exists()


def test_expo_failure_is_logged_not_raised(org, settings, eager, caplog):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    add_tokens(org, 1)
    with Receiver(Reply(500, b"oops")) as receiver:
        settings.EXPO_PUSH_URL = receiver.url("/push")
        with caplog.at_level(logging.WARNING), eager():
            assert notify(org.id, "t", "b", {}, "warn") == 1
    assert "answered HTTP 500" in caplog.text
    assert PushToken.objects.count() == 1


def test_private_expo_url_is_refused_by_the_default_policy(org, settings, eager, caplog):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    add_tokens(org, 1)
    with Receiver() as receiver:
        settings.EXPO_PUSH_URL = receiver.url("/push")
        with caplog.at_level(logging.WARNING), eager():
            notify(org.id, "t", "b", {}, "warn")
        assert receiver.received == []
    assert "URL cannot target private/internal addresses" in caplog.text
