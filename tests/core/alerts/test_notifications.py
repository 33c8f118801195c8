"""A fire and a resolve reach the live stream, webhooks and push through the real functions:
the stream's local socket, a webhook receiver and an Expo stand-in on 127.0.0.1."""

import json

import pytest

from core.alerts.evaluation import evaluate
from core.alerts.models import AlertEvent
from core.outbound.models import OutboundPolicy
from core.push.models import PushToken
from core.webhooks.models import Webhook
from tests.core.alerts.conftest import QUIET, at
from tests.core.outbound.receiver import Receiver, Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def warm(host):
    evaluate(host, QUIET, at(-60))


def test_fire_and_resolve_are_published_on_the_stream(org, host, make_rule, sample, stream):
    rule = make_rule(severity="critical")
    sample(0, cpu_percent=95)
    sample(15, cpu_percent=10)
    fired_event, resolved_event = AlertEvent.objects.order_by("id")
    messages = [m for m in stream.messages() if m.event == "alert"]
    assert [m.org_id for m in messages] == [org.pk, org.pk]
    fired, resolved = (json.loads(m.data_json) for m in messages)
    assert fired == {
        "type": "alert_rule_fired",
        "ruleId": rule.pk,
        "eventId": fired_event.pk,
        "ruleName": "High CPU",
        "metric": "cpu_percent",
        "value": 95.0,
        "threshold": 90.0,
        "severity": "critical",
        "hostId": host.pk,
        "hostName": host.name,
        "message": "High CPU: cpu_percent is 95 (threshold: > 90)",
        "timestamp": "2026-01-02T12:00:00Z",
    }
    assert resolved["type"] == "alert_rule_resolved"
    assert resolved["eventId"] == resolved_event.pk
    assert resolved["severity"] == "info"
    assert resolved["message"] == "cpu_percent back to 10"


def test_fire_and_resolve_go_to_webhooks(org, make_rule, sample, settings):
    settings.WEBHOOK_TIMEOUT = 2.0
    OutboundPolicy.objects.create(org=org, allow_private=True)
    rule = make_rule()
    with Receiver() as receiver:
        Webhook.objects.create(org=org, name="all alerts", url=receiver.url(),
                               events=["alert.fired", "alert.resolved"], secret="s")  # fmt: skip
        Webhook.objects.create(org=org, name="other", url=receiver.url(),
                               events=["container.down"], secret="s")  # fmt: skip
        sample(0, cpu_percent=95)
        sample(15, cpu_percent=10)
    bodies = [json.loads(request.body) for request in receiver.received]
    assert [body["event"] for body in bodies] == ["alert.fired", "alert.resolved"]
    assert bodies[0]["data"]["type"] == "alert_rule_fired"
    assert bodies[0]["data"]["ruleId"] == rule.pk
    assert bodies[1]["data"]["message"] == "cpu_percent back to 10"


def test_fire_and_resolve_are_pushed(org, make_rule, sample, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the Expo stand-in listens on loopback
    PushToken.objects.create(org=org, subject="1", token="ExponentPushToken[alerts-test]")
    rule = make_rule(severity="critical")
    tickets = json.dumps({"data": [{"status": "ok", "id": "t"}]}).encode()
    with Receiver(Reply(body=tickets, headers={"Content-Type": "application/json"})) as expo:
        settings.EXPO_PUSH_URL = expo.url()
        sample(0, cpu_percent=95)
        sample(15, cpu_percent=10)
    fired_event, resolved_event = AlertEvent.objects.order_by("id")
    [fired], [resolved] = (json.loads(request.body) for request in expo.received)
    assert fired["title"] == "Alert: High CPU"
    assert fired["body"] == "High CPU: cpu_percent is 95 (threshold: > 90)"
    assert fired["data"] == {
        "type": "alert_rule", "ruleId": rule.pk, "eventId": fired_event.pk,
        "severity": "critical",
    }  # fmt: skip
    assert fired["interruptionLevel"] == "time-sensitive"  # pushed as critical (§13.19)
    assert resolved["title"] == "✓ High CPU resolved"
    assert resolved["data"] == {"type": "resolve", "ruleId": rule.pk, "eventId": resolved_event.pk}
    assert resolved["interruptionLevel"] == "passive"  # info (§13.20)


def test_a_silent_end_announces_nothing(make_rule, sample, stream):
    make_rule(duration_seconds=3600)
    sample(0, cpu_percent=95)
    sample(15, cpu_percent=10)
    assert [m for m in stream.messages() if m.event == "alert"] == []


def test_events_are_recorded_with_nobody_listening(make_rule, sample):  # §13.26
    make_rule()
    sample(0, cpu_percent=95)  # no stream socket bound, no webhook, no push token
    assert AlertEvent.objects.count() == 1
