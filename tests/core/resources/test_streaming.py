"""The pull stream under ASGI (daphne's path): chunks are produced one at a time in a worker
thread instead of being collected before anything is sent."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from rest_framework.authentication import BaseAuthentication

from core.resources.streaming import chunks_in_thread
from core.resources.views.images import ImagePullView
from tests.core.resources.conftest import principal, unique
from tests.registry import Registry, tiny_image


def test_chunks_arrive_one_by_one_and_the_source_is_closed():
    produced, closed = [], []

    def source():
        try:
            for number in range(3):
                produced.append(number)
                yield f"{number}\n".encode()
        finally:
            closed.append(True)

    async def consume():
        received = []
        async for chunk in chunks_in_thread(source()):
            received.append((chunk, len(produced)))
        return received

    # Each chunk reaches the consumer before the next one is produced.
    assert async_to_sync(consume)() == [(b"0\n", 1), (b"1\n", 2), (b"2\n", 3)]
    assert closed == [True]


def test_a_consumer_that_leaves_early_closes_the_source():
    closed = []

    def source():
        try:
            while True:
                yield b"x"
        finally:
            closed.append(True)

    async def take_one():
        stream = chunks_in_thread(source())
        first = await stream.__anext__()
        await stream.aclose()
        return first

    assert async_to_sync(take_one)() == b"x"
    assert closed == [True]


@pytest.mark.docker
@pytest.mark.django_db(transaction=True)
def test_pull_streams_under_asgi(org, host, leftovers, monkeypatch):
    admin = principal(org, "admin")

    class TestAuthentication(BaseAuthentication):
        """The JWT authentication is built elsewhere; this stands in for it here."""

        def authenticate(self, request):
            return (admin, None)

    monkeypatch.setattr(ImagePullView, "authentication_classes", [TestAuthentication])

    async def pull(reference):
        response = await AsyncClient().post(
            "/api/images/pull", {"image": reference}, content_type="application/json"
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/x-ndjson"
        body = b"".join([chunk async for chunk in response.streaming_content])
        return [json.loads(line) for line in body.decode().splitlines()]

    with Registry() as registry:
        reference = registry.publish(f"ckt/{unique('asgi')}", "v1", *tiny_image()).reference
        leftovers.images.append(reference)
        lines = async_to_sync(pull)(reference)
    assert any(line.get("status") == "Pull complete" for line in lines)
    assert lines[-1]["done"] is True
    assert lines[-1]["image"] == reference
