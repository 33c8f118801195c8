"""Delivery through `dispatch` to real receivers on 127.0.0.1: signatures, retries with
backoff, the delivery log, and the send-time private-network check.

Celery runs eagerly here (a retry's countdown is recorded, not waited for); the parallel test in
test_parallel.py uses a real worker.
"""

import json
import uuid

import pytest

from core.webhooks import services
from core.webhooks.delivery import retry_delay
from core.webhooks.models import Webhook, WebhookDelivery
from core.webhooks.signing import signature, verify
from core.webhooks.tasks import deliver
from tests.core.outbound.receiver import Receiver, Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery", "fast_webhooks")]

EVENT_DATA = {
    "type": "container_state_change",
    "containerId": "abc123",
    "containerName": "web",
    "previousState": "running",
    "currentState": "exited",
}


def hook(org, url, **fields) -> Webhook:
    values = {"name": "hook", "events": ["container.down"], "secret": "whsec_test"} | fields
    return Webhook.objects.create(org=org, url=url, **values)


@pytest.fixture
def countdowns(monkeypatch):
    """The countdown of every retry the task schedules (eager mode runs it at once)."""
    recorded = []
    original = deliver.apply_async

    def spy(args=None, kwargs=None, countdown=None, **options):
        if kwargs and kwargs.get("attempt", 1) > 1:
            recorded.append(countdown)
        return original(args, kwargs, countdown=countdown, **options)

    monkeypatch.setattr(deliver, "apply_async", spy)
    return recorded


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    """dispatch() and run what it enqueues on commit."""

    def run(org, event="container.down", data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.dispatch(org.id, event, EVENT_DATA if data is None else data)

    return run


def test_a_delivery_is_signed_and_carries_the_envelope(org, fire):
    with Receiver() as receiver:
        webhook = hook(org, receiver.url(), headers={"Authorization": "Bearer t0ken"})
        [delivery_id] = fire(org)
    request = receiver.received[0]
    body = json.loads(request.body)
    assert body["event"] == "container.down"
    assert body["data"] == EVENT_DATA
    assert body["timestamp"].endswith("Z")
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Bearer t0ken"
    assert headers["x-cockpit-event"] == "container.down"
    assert headers["x-cockpit-delivery"] == delivery_id
    timestamp = headers["x-cockpit-timestamp"]
    assert timestamp.isdigit()
    # the documented recipe: HMAC-SHA256 over "<timestamp>.<raw body>" with the secret
    assert headers["x-cockpit-signature"] == signature("whsec_test", timestamp, request.body)
    assert verify(webhook.secret, timestamp, request.body, headers["x-cockpit-signature"])
    assert not verify("wrong-secret", timestamp, request.body, headers["x-cockpit-signature"])
    row = WebhookDelivery.objects.get()
    assert (row.success, row.status_code, row.attempt, row.error) == (True, 200, 1, "")
    assert str(row.delivery_id) == delivery_id
    assert row.latency_ms is not None


def test_only_enabled_subscribed_webhooks_of_the_organisation_receive(org, other_org, fire):
    with Receiver() as receiver:
        hook(org, receiver.url("/down"), events=["container.down"])
        hook(org, receiver.url("/all"), events=["*"])
        hook(org, receiver.url("/alerts"), events=["alert.fired"])
        hook(org, receiver.url("/off"), events=["*"], enabled=False)
        hook(other_org, receiver.url("/theirs"), events=["*"])
        assert len(fire(org)) == 2
        assert len(fire(org, "alert.fired", {"rule": "cpu"})) == 2
        assert len(fire(org, "host.online", {})) == 1
    paths = sorted(request.path for request in receiver.received)
    assert paths == ["/alerts", "/all", "/all", "/all", "/down"]


def test_dispatch_refuses_unknown_events(org):
    with pytest.raises(ValueError, match="Unknown webhook event"):
        services.dispatch(org.id, "container.exploded", {})
    with pytest.raises(ValueError, match="Unknown webhook event"):
        services.dispatch(org.id, "*", {})


def test_dispatch_without_subscribers_enqueues_nothing(org):
    assert services.dispatch(org.id, "container.down", {}) == []


def test_dispatch_sends_nothing_when_the_transaction_rolls_back(
    org, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        hook(org, receiver.url())
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.dispatch(org.id, "container.down", EVENT_DATA)
        assert len(callbacks) == 1  # enqueued only once the caller's transaction commits
    assert receiver.received == []


def test_5xx_is_retried_with_backoff_and_every_attempt_is_logged(org, fire, countdowns):
    replies = (Reply(500, b"down"), Reply(503, b"busy"), Reply(200, b"ok"))
    with Receiver(*replies) as receiver:
        hook(org, receiver.url())
        [delivery_id] = fire(org)
    assert len(receiver.received) == 3
    deliveries = {request.headers["x-cockpit-delivery"] for request in receiver.received}
    assert deliveries == {delivery_id}  # one delivery id across retries, for deduplication
    assert len({request.body for request in receiver.received}) == 1  # same bytes each time
    assert countdowns == [10, 60]
    rows = list(WebhookDelivery.objects.order_by("attempt"))
    assert [(r.attempt, r.success, r.status_code, r.error) for r in rows] == [
        (1, False, 500, "HTTP 500"),
        (2, False, 503, "HTTP 503"),
        (3, True, 200, ""),
    ]
    assert rows[0].next_retry_at is not None
    assert rows[2].next_retry_at is None


def test_retries_stop_after_the_configured_delays(org, fire, countdowns, fast_webhooks):
    fast_webhooks.WEBHOOK_RETRY_DELAYS = [1, 2]
    with Receiver(Reply(502)) as receiver:
        hook(org, receiver.url())
        fire(org)
    assert len(receiver.received) == 3
    assert countdowns == [1, 2]
    last = WebhookDelivery.objects.order_by("-attempt").first()
    assert (last.attempt, last.success, last.next_retry_at) == (3, False, None)


def test_the_default_backoff_is_10_60_300_seconds(settings):
    settings.WEBHOOK_RETRY_DELAYS = [10, 60, 300]
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 4)] == [10, 60, 300, None]


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_4xx_is_not_retried(org, fire, countdowns, status):
    with Receiver(Reply(status)) as receiver:
        hook(org, receiver.url())
        fire(org)
    assert len(receiver.received) == 1
    assert countdowns == []
    row = WebhookDelivery.objects.get()
    assert (row.success, row.status_code, row.error) == (False, status, f"HTTP {status}")


def test_a_timeout_is_logged_and_retried(org, fire, countdowns, fast_webhooks):
    fast_webhooks.WEBHOOK_TIMEOUT = 0.3
    with Receiver(Reply(delay=1.5), Reply(200)) as receiver:
        hook(org, receiver.url())
        fire(org)
    rows = list(WebhookDelivery.objects.order_by("attempt"))
    assert [(r.attempt, r.success, r.status_code) for r in rows] == [
        (1, False, None),
        (2, True, 200),
    ]
    assert rows[0].error == "Request timed out after 0.3s"
    assert rows[0].latency_ms < 1200
    assert countdowns == [10]


def test_a_refused_connection_is_retried(org, fire, countdowns):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook(org, f"http://127.0.0.1:{port}/gone")
    fire(org)
    rows = list(WebhookDelivery.objects.order_by("attempt"))
    assert len(rows) == 4
    assert {row.error for row in rows} == {"Connection refused"}
    assert countdowns == [10, 60, 300]


def test_a_private_target_is_refused_at_send_time_and_not_retried(org, fire, countdowns):
    """Saved while the organisation allowed private targets; the flag is then turned off."""
    with Receiver() as receiver:
        hook(org, receiver.url())
        org.outbound_policy.allow_private = False
        org.outbound_policy.save()
        fire(org)
    assert receiver.received == []
    row = WebhookDelivery.objects.get()
    assert (row.success, row.error) == (False, "URL cannot target private/internal addresses")
    assert countdowns == []


def test_a_redirect_into_a_private_range_is_not_followed(org, fire, countdowns):
    with Receiver() as internal:
        location = {"Location": "http://169.254.169.254/latest/meta-data/"}
        with Receiver(Reply(302, headers=location)) as receiver:
            hook(org, receiver.url())
            fire(org)
        with Receiver(Reply(307, headers={"Location": internal.url()})) as receiver:
            hook(org, receiver.url(), events=["alert.fired"])
            fire(org, "alert.fired", {})
    assert internal.received == []
    errors = sorted(WebhookDelivery.objects.values_list("error", flat=True))
    assert errors == [
        "HTTP 302 (redirects are not followed)",
        "HTTP 307 (redirects are not followed)",
    ]
    assert countdowns == []


def test_a_webhook_disabled_before_its_retry_gets_no_more_attempts(org):
    with Receiver() as receiver:
        webhook = hook(org, receiver.url(), enabled=False)
        deliver(webhook.id, str(uuid.uuid4()), "container.down", "{}", attempt=2)
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_the_task_function_runs_one_attempt_with_its_number(org, countdowns):
    with Receiver(Reply(500)) as receiver:
        webhook = hook(org, receiver.url())
        deliver.run(webhook.id, str(uuid.uuid4()), "container.down", '{"x":1}', attempt=4)
    assert len(receiver.received) == 1
    row = WebhookDelivery.objects.get()
    assert (row.attempt, row.next_retry_at) == (4, None)  # the last of 1 + 3 retries
    assert countdowns == []


def test_prune_deletes_rows_past_retention(org, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    webhook = hook(org, "https://93.184.216.34/")
    old = WebhookDelivery.objects.create(
        webhook=webhook,
        delivery_id=uuid.uuid4(),
        event="container.down",
        created_at=timezone.now() - timedelta(days=31),
    )
    fresh = WebhookDelivery.objects.create(
        webhook=webhook, delivery_id=uuid.uuid4(), event="container.down"
    )
    assert services.prune_deliveries() == 1
    assert list(WebhookDelivery.objects.values_list("id", flat=True)) == [fresh.id]
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
