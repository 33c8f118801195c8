"""One slow receiver delays no other: a real Celery worker (thread pool, the configured
filesystem broker) delivers one event to a slow and a fast receiver on 127.0.0.1."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from cockpit.celery import app as celery_app
from core.accounts.models import Edition, Organization
from core.outbound.models import OutboundPolicy
from core.webhooks import services
from core.webhooks.models import Webhook, WebhookDelivery
from tests.core.outbound.receiver import Receiver, Reply

SLOW_SECONDS = 4.0


@pytest.fixture
def worker(transactional_db):
    for folder in ("queue", "control"):
        (settings.BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    with start_worker(
        celery_app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=15
    ) as running:
        yield running


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_one_slow_receiver_does_not_delay_another(worker):
    org = Organization.objects.create(
        name="Parallel", slug="ckt-hooks-parallel", edition=Edition.PRO
    )
    OutboundPolicy.objects.create(org=org, allow_private=True)
    with Receiver(Reply(delay=SLOW_SECONDS)) as slow, Receiver() as fast:
        # the slow one has the lower id, so a sequential sender would serve it first
        Webhook.objects.create(org=org, name="slow", url=slow.url(), events=["*"], secret="s1")
        Webhook.objects.create(org=org, name="fast", url=fast.url(), events=["*"], secret="s2")
        started = time.monotonic()
        assert len(services.dispatch(org.id, "container.down", {"containerName": "web"})) == 2
        assert time.monotonic() - started < 1  # enqueueing does no network I/O
        assert wait_for(lambda: fast.received and slow.received, timeout=10)
        assert wait_for(lambda: WebhookDelivery.objects.count() == 2, timeout=SLOW_SECONDS + 10)
    fast_done = fast.received[0].answered_at
    slow_done = slow.received[0].answered_at
    assert slow_done - slow.received[0].at >= SLOW_SECONDS - 0.1
    # the fast receiver was served while the slow one was still busy
    assert fast_done < slow_done - SLOW_SECONDS / 2
    assert set(WebhookDelivery.objects.values_list("success", flat=True)) == {True}
