"""Stream tickets for browsers: `POST /api/stream/ticket`, then `/api/stream?ticket=`."""

import logging
import time
from datetime import timedelta

import pytest

from core.stream.publish import publish
from tests.core.stream.helpers import SseClient, parse_event, settle, token_for, with_event_loop

pytestmark = pytest.mark.django_db


def new_ticket(api_client, org_id: int, **token_kwargs) -> dict:
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(org_id, **token_kwargs)}")
    response = api_client.post("/api/stream/ticket")
    assert response.status_code == 201, response.content
    return response.json()


def test_ticket_needs_a_token(api_client):
    response = api_client.post("/api/stream/ticket")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or invalid Authorization header"}


def test_ticket_opens_one_stream_of_its_organisation_once(api_client, settings, caplog):
    caplog.set_level(logging.DEBUG)
    body = new_ticket(api_client, 50)
    assert set(body) == {"ticket", "expiresIn"}
    assert body["expiresIn"] == settings.SSE_TICKET_SECONDS
    ticket = body["ticket"]

    @with_event_loop
    async def use_twice():
        client = await SseClient(query=f"ticket={ticket}").open()
        assert client.status == 200
        await client.chunk()
        await settle()
        publish(50, "alert", {"org": 50})
        publish(51, "alert", {"org": 51})
        assert parse_event(await client.event())["data"] == {"org": 50}
        assert await client.nothing(0.3)
        again = await SseClient(query=f"ticket={ticket}").open()
        assert again.status == 401
        assert await again.json_body() == {"error": "Invalid or expired stream ticket"}
        await client.leave()

    use_twice()
    assert ticket not in caplog.text


def test_ticket_expires(api_client, settings):
    settings.SSE_TICKET_SECONDS = 1
    ticket = new_ticket(api_client, 50)["ticket"]
    time.sleep(1.2)

    @with_event_loop
    async def too_late():
        client = await SseClient(query=f"ticket={ticket}").open()
        assert client.status == 401
        assert await client.json_body() == {"error": "Invalid or expired stream ticket"}

    too_late()


def test_ticket_stream_ends_with_the_token_that_asked_for_it(api_client):
    body = new_ticket(api_client, 50, lifetime=timedelta(seconds=2))
    assert 1 <= body["expiresIn"] <= 2

    @with_event_loop
    async def ends():
        client = await SseClient(query=f"ticket={body['ticket']}").open()
        assert client.status == 200
        assert await client.until_closed(timeout=4) == b": Token expired\n\n"

    ends()


def test_unknown_ticket_is_refused():
    @with_event_loop
    async def unknown():
        client = await SseClient(query="ticket=nope").open()
        assert client.status == 401
        assert await client.json_body() == {"error": "Invalid or expired stream ticket"}

    unknown()
