"""`GET /api/stream` on the ASGI app in-process: framing, headers, auth, capacity, isolation,
replay, expiry and revocation. Events travel the embedded transport (the Unix socket)."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import sync_to_async

from core.accounts.models import Organization
from core.hosts.models import DockerHost
from core.sampling import snapshots
from core.stream import clients
from core.stream.publish import publish, revoke_streams
from tests.core.stream.helpers import (
    SseClient,
    parse_event,
    settle,
    token_for,
    with_event_loop,
)

pytestmark = pytest.mark.django_db


def bearer(org_id: int, **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(org_id, **kwargs)}"}


@with_event_loop
async def test_headers_initial_comment_and_event_framing():
    client = await SseClient(headers=bearer(1)).open()
    assert client.status == 200
    assert client.headers["content-type"] == "text/event-stream"
    assert client.headers["cache-control"] == "no-cache"
    assert client.headers["connection"] == "keep-alive"
    assert client.headers["x-accel-buffering"] == "no"
    assert client.headers["x-request-id"]
    assert await client.chunk() == b":\n\n"
    await settle()

    publish(1, "integration_data", {"integrationId": 7, "points": [{"v": 1}]})
    assert await client.event() == (
        b'event: integration_data\ndata: {"integrationId":7,"points":[{"v":1}]}\n\n'
    )
    publish(1, "alert", {"type": "container_state_change", "containerName": "web\nx"})
    chunk = await client.event()
    fields = parse_event(chunk)
    assert chunk.startswith(b"id: ")
    assert int(fields["id"]) > 0
    assert fields["event"] == "alert"
    assert fields["data"]["containerName"] == "web\nx"  # newlines stay inside the JSON
    await client.leave()


@with_event_loop
async def test_keepalive_comment(settings):
    settings.SSE_KEEPALIVE_SECONDS = 0.2
    client = await SseClient(headers=bearer(1)).open()
    assert await client.chunk() == b":\n\n"
    assert await client.chunk(timeout=2) == b":\n\n"
    await client.leave()


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, "Missing or invalid Authorization header"),
        ({"Authorization": "Basic abc"}, "Missing or invalid Authorization header"),
        ({"Authorization": "Bearer "}, "Missing or invalid Authorization header"),
        ({"Authorization": "Bearer not-a-jwt"}, "Invalid token"),
    ],
)
@with_event_loop
async def test_refusals_are_json_401(headers, error):
    client = await SseClient(headers=headers).open()
    assert client.status == 401
    assert client.headers["content-type"] == "application/json"
    assert await client.json_body() == {"error": error}


@with_event_loop
async def test_expired_token_is_refused():
    expired = token_for(1, lifetime=timedelta(seconds=-5))
    client = await SseClient(headers={"Authorization": f"Bearer {expired}"}).open()
    assert client.status == 401
    assert await client.json_body() == {"error": "Token expired"}


@with_event_loop
async def test_other_methods_answer_405():
    client = await SseClient(headers=bearer(1), method="POST").open()
    assert client.status == 405
    assert client.headers["allow"] == "GET"
    assert await client.json_body() == {"error": "Method not allowed"}


@with_event_loop
async def test_token_query_parameter_opens_a_stream_and_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    raw = token_for(3)
    client = await SseClient(query=f"token={raw}").open()
    assert client.status == 200
    assert await client.chunk() == b":\n\n"
    await settle()
    publish(3, "alert", {"n": 1})
    assert parse_event(await client.event())["data"] == {"n": 1}
    await client.leave()
    assert raw not in caplog.text
    bad = await SseClient(query="token=garbage-token-value").open()
    assert bad.status == 401
    assert await bad.json_body() == {"error": "Invalid token"}
    assert "garbage-token-value" not in caplog.text


@with_event_loop
async def test_capacity_answers_503(settings):
    settings.MAX_SSE_CLIENTS = 2
    first = await SseClient(headers=bearer(1)).open()
    second = await SseClient(headers=bearer(2)).open()
    assert clients.count() == 2
    third = await SseClient(headers=bearer(1)).open()
    assert third.status == 503
    assert await third.json_body() == {"error": "Too many SSE connections"}
    await first.leave()
    await settle()
    assert clients.count() == 1
    fourth = await SseClient(headers=bearer(1)).open()
    assert fourth.status == 200
    await second.leave()
    await fourth.leave()
    await settle()
    assert clients.count() == 0


@with_event_loop
async def test_a_stream_carries_only_its_own_organisation():
    mine = await SseClient(headers=bearer(10)).open()
    other = await SseClient(headers=bearer(11)).open()
    await mine.chunk()
    await other.chunk()
    await settle()
    publish(10, "alert", {"for": 10})
    publish(10, "integration_data", {"for": 10})
    assert parse_event(await mine.event())["data"] == {"for": 10}
    assert parse_event(await mine.event())["data"] == {"for": 10}
    assert await other.nothing(0.5)
    publish(11, "alert", {"for": 11})
    assert parse_event(await other.event())["data"] == {"for": 11}
    assert await mine.nothing(0.3)
    await mine.leave()
    await other.leave()


@with_event_loop
async def test_last_event_id_replays_missed_alerts_in_order():
    first = await SseClient(headers=bearer(20)).open()
    await first.chunk()
    await settle()
    ids = []
    for n in range(3):
        publish(20, "alert", {"n": n})
        ids.append(int(parse_event(await first.event())["id"]))
    assert ids == sorted(ids)
    await first.leave()
    publish(20, "alert", {"n": 3})  # missed while reconnecting
    publish(20, "integration_data", {"not": "replayed"})
    publish(21, "alert", {"other": "org"})
    await settle()

    again = await SseClient(headers={**bearer(20), "Last-Event-ID": str(ids[0])}).open()
    assert await again.chunk() == b":\n\n"
    replayed = [parse_event(await again.event()) for _ in range(3)]
    assert [event["data"] for event in replayed] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert int(replayed[0]["id"]) == ids[1]
    assert await again.nothing(0.3)
    publish(20, "alert", {"n": 4})  # and then live
    assert parse_event(await again.event())["data"] == {"n": 4}
    await again.leave()

    by_query = await SseClient(headers=bearer(20), query=f"lastEventId={ids[2]}").open()
    await by_query.chunk()
    assert parse_event(await by_query.event())["data"] == {"n": 3}
    await by_query.leave()


@with_event_loop
async def test_stream_closes_when_its_token_expires():
    client = await SseClient(headers=bearer(1, lifetime=timedelta(seconds=2))).open()
    assert await client.chunk() == b":\n\n"
    started = asyncio.get_running_loop().time()
    assert await client.until_closed(timeout=4) == b": Token expired\n\n"
    assert 0.8 < asyncio.get_running_loop().time() - started < 2.5
    await client.leave()
    await settle()
    assert clients.count() == 0


@with_event_loop
async def test_revocation_closes_the_principals_streams_only():
    revoked = await SseClient(headers=bearer(30, user_id=5)).open()
    kept = await SseClient(headers=bearer(30, user_id=6)).open()
    await revoked.chunk()
    await kept.chunk()
    await settle()
    revoke_streams(30, "5")
    assert await revoked.until_closed() == b": Access revoked\n\n"
    assert await kept.nothing(0.3)
    await revoked.leave()
    await kept.leave()


@with_event_loop
async def test_lost_membership_is_noticed_by_the_periodic_recheck(settings):
    settings.SSE_ACCESS_RECHECK_SECONDS = 0.2
    client = await SseClient(headers=bearer(40, user_id=99)).open()  # no such membership
    await client.chunk()
    assert await client.until_closed(timeout=3) == b": Access revoked\n\n"
    await client.leave()


@pytest.mark.django_db(transaction=True)  # the hub reads host names on a thread of its own
@with_event_loop
async def test_metrics_and_containers_come_from_the_snapshot_store(settings):
    settings.SSE_SNAPSHOT_SECONDS = 0.3
    org, host = await sync_to_async(_org_with_host)()
    metrics = {"hostname": "h1", "cpuPercent": 12.5, "memory": {"percent": 40.0}}
    containers = [
        {"id": "abc", "name": "web", "state": "running", "health": None, "image": "nginx",
         "composeProject": "shop", "cpuPercent": 1.5},
    ]  # fmt: skip
    await sync_to_async(snapshots.store)(host.pk, org.pk, metrics, containers, datetime.now(UTC))
    client = await SseClient(headers=bearer(org.pk)).open()
    await client.chunk()
    metrics_event = parse_event(await client.event())
    assert metrics_event["event"] == "metrics"
    assert metrics_event["data"]["cpuPercent"] == 12.5
    assert metrics_event["data"]["hostId"] == host.pk
    assert metrics_event["data"]["hostName"] == "Main host"
    containers_event = parse_event(await client.event())
    assert containers_event["event"] == "containers"
    assert containers_event["data"] == [
        {"id": "abc", "name": "web", "state": "running", "health": None, "image": "nginx",
         "composeProject": "shop", "hostId": host.pk, "hostName": "Main host"},
    ]  # fmt: skip
    await client.leave()


def _org_with_host():
    org = Organization.objects.create(name="Acme", slug="acme")
    host = DockerHost.objects.create(org=org, name="Main host", slug="main", is_default=True)
    return org, host
