"""The poll engine: claiming due integrations (never two polls of one at once), polls that
store points and record outcomes, the `integration_data` stream event, and retention."""

from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import sync_to_async

from cockpit.celery import app as celery_app
from core.integrations import polling, tasks
from core.integrations.crypto import encrypt_config
from core.integrations.errors import PollInProgress
from core.integrations.models import Integration, IntegrationData
from tests.core.integrations.test_adapters import prometheus_routes
from tests.core.stream.helpers import SseClient, parse_event, settle, token_for, with_event_loop

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def make(org, *, config=None, adapter="prometheus", due=NOW, interval=30, enabled=True, name="i"):
    return Integration.objects.create(
        org=org,
        adapter=adapter,
        name=name,
        encrypted_config=encrypt_config(config or {"url": "http://prometheus:9090"}),
        poll_interval=interval,
        enabled=enabled,
        next_poll_at=due,
    )


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


# --- claiming -----------------------------------------------------------------------------


def test_claim_takes_due_enabled_rows_and_moves_them_one_interval_on(pro_org):
    due = [make(pro_org, due=NOW - timedelta(seconds=n), interval=60) for n in range(3)]
    make(pro_org, due=NOW + timedelta(seconds=1))  # not yet
    make(pro_org, enabled=False)  # switched off
    make(pro_org, due=None)  # never scheduled
    claimed = polling.claim_due(NOW)
    assert sorted(pk for pk, _ in claimed) == sorted(str(i.pk) for i in due)
    for integration in due:
        integration.refresh_from_db()
        assert integration.next_poll_at == NOW + timedelta(seconds=60)
        assert integration.lease_until == NOW + timedelta(seconds=300)
    assert polling.claim_due(NOW) == []  # a second tick at the same moment gets nothing


def test_two_ticks_racing_get_one_poll_each(pro_org):
    rows = [make(pro_org, due=NOW - timedelta(seconds=n)) for n in range(5)]
    # Both ticks read the due rows before either writes: the race.
    seen_by_a = polling.due_candidates(NOW)
    seen_by_b = polling.due_candidates(NOW)
    assert len(seen_by_a) == len(seen_by_b) == 5
    won_by_a = [c[0] for c in seen_by_a[:3] if polling.claim(c, NOW)]
    won_by_b = [c[0] for c in seen_by_b if polling.claim(c, NOW)]
    assert len(won_by_a) == 3
    assert len(won_by_b) == 2
    assert set(won_by_a).isdisjoint(won_by_b)
    assert set(won_by_a) | set(won_by_b) == {row.pk for row in rows}


def test_a_held_lease_blocks_the_next_tick_and_a_poll_on_demand(pro_org):
    now = datetime.now(UTC)
    integration = make(pro_org, interval=10, due=now)
    ((_, lease_id),) = polling.claim_due(now)
    later = now + timedelta(seconds=60)  # overdue again, but the first poll still runs
    assert polling.claim_due(later) == []
    with pytest.raises(PollInProgress):
        polling.take_lease(integration)
    expired = now + timedelta(seconds=301)  # a crashed worker's lease runs out
    ((_, second_lease),) = polling.claim_due(expired)
    assert second_lease != lease_id
    # The first poll, finishing late, no longer holds the lease: it records nothing.
    outcome = polling.run_poll(str(integration.pk), lease_id)
    assert (outcome.status, outcome.points) == ("skipped", 0)


def test_poll_endpoint_answers_409_while_a_poll_runs(admin, pro_org):
    integration = make(pro_org)
    polling.take_lease(integration)
    response = admin.post(f"/api/integrations/{integration.pk}/poll")
    assert (response.status_code, response.json()) == (
        409,
        {"error": "A poll of this integration is already running"},
    )


# --- polls ----------------------------------------------------------------------------------


def test_tick_task_polls_through_celery_and_stores_points(pro_org, vendor, eager_celery):
    server = vendor(prometheus_routes())
    integration = make(pro_org, config={"url": server.url}, due=datetime.now(UTC))
    assert tasks.tick() == 1
    integration.refresh_from_db()
    assert integration.last_status == "ok"
    assert integration.last_error == ""
    assert integration.lease_id is None
    rows = IntegrationData.objects.filter(integration=integration)
    assert rows.count() == 4
    assert sorted(rows.values_list("type", flat=True)) == ["alert", "alert", "metric", "metric"]
    assert all(isinstance(row.timestamp, datetime) for row in rows)
    assert tasks.tick() == 0  # not due again for 30 s


def test_a_failing_poll_records_the_error(pro_org, vendor):
    server = vendor({})
    integration = make(pro_org, config={"url": server.url})
    ((pk, lease),) = polling.claim_due(NOW)
    outcome = polling.run_poll(pk, lease)
    assert outcome.as_json() == {
        "ok": False, "status": "error", "error": "HTTP 404 Not Found", "points": 0
    }  # fmt: skip
    integration.refresh_from_db()
    assert (integration.last_status, integration.last_error) == ("error", "HTTP 404 Not Found")
    assert integration.last_pull is not None


def test_an_undecryptable_config_fails_the_poll_not_the_worker(pro_org):
    integration = make(pro_org)
    Integration.objects.filter(pk=integration.pk).update(encrypted_config="garbage")
    ((pk, lease),) = polling.claim_due(NOW)
    outcome = polling.run_poll(pk, lease)
    assert outcome.status == "error"
    assert "cannot be decrypted" in outcome.error


def test_points_per_poll_are_capped(pro_org, vendor, settings):
    settings.INTEGRATION_MAX_POINTS_PER_POLL = 3
    server = vendor(prometheus_routes())
    make(pro_org, config={"url": server.url})
    ((pk, lease),) = polling.claim_due(NOW)
    assert polling.run_poll(pk, lease).points == 3
    assert IntegrationData.objects.count() == 3


def test_retention_prunes_by_real_datetimes(pro_org, settings):
    integration = make(pro_org)
    now = datetime.now(UTC)
    for age in (timedelta(days=8), timedelta(days=7, seconds=1), timedelta(days=6, hours=23)):
        IntegrationData.objects.create(
            integration=integration, type="metric", data={}, timestamp=now, created_at=now - age
        )
    assert polling.prune_old_data(now) == 2
    assert IntegrationData.objects.count() == 1
    assert tasks.prune() == 0


# --- the live stream ------------------------------------------------------------------------


def many_points_routes():
    document = {"values": list(range(60))}
    return {"GET /": (200, document)}


@with_event_loop
async def test_a_poll_publishes_integration_data_on_the_stream(pro_org, vendor):
    server = vendor(many_points_routes())
    config = {"url": server.url + "/", "mappings": [{"path": f"values.{n}"} for n in range(60)]}
    integration = await sync_to_async(make)(
        pro_org, adapter="http-json", config=config, name="API", due=datetime.now(UTC)
    )
    client = await SseClient(headers={"Authorization": f"Bearer {token_for(pro_org.id)}"}).open()
    assert await client.chunk() == b":\n\n"
    await settle()

    def poll_once():
        ((pk, lease),) = polling.claim_due()
        return polling.run_poll(pk, lease)

    outcome = await sync_to_async(poll_once)()
    assert outcome.points == 60
    event = parse_event(await client.event())
    assert event["event"] == "integration_data"
    data = event["data"]
    assert data["integrationId"] == str(integration.pk)
    assert (data["adapter"], data["name"]) == ("http-json", "API")
    assert len(data["points"]) == 50
    first = data["points"][0]
    assert first["source"] == "http-json"
    assert first["sourceId"] == str(integration.pk)
    assert first["metric"]["name"] == "values.0"
    await client.leave()
