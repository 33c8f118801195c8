"""A Redis that hangs (stopped with SIGSTOP: connections open, nothing answered, no reset) must
not hang the code that publishes stream events: the publish gives up within its socket
timeouts and the caller's own work goes on."""

import signal
import threading
import time

import pytest

from core.stream.messages import Message
from core.stream.transports import PUBLISH_TIMEOUT_SECONDS, RedisTransport

pytestmark = pytest.mark.redis


def test_publishing_to_a_hung_redis_gives_up_instead_of_hanging(private_redis):
    transport = RedisTransport(private_redis.url)
    transport.send(Message(1, "ping", "{}"))  # connected while Redis answers
    private_redis.process.send_signal(signal.SIGSTOP)
    try:
        outcome: list[BaseException | None] = []

        def publish():
            try:
                transport.send(Message(1, "ping", "{}"))
                outcome.append(None)
            except Exception as exc:  # what happened is the assertion
                outcome.append(exc)

        started = time.monotonic()
        worker = threading.Thread(target=publish, daemon=True)
        worker.start()
        worker.join(PUBLISH_TIMEOUT_SECONDS * 3)
        assert not worker.is_alive(), "the publish hung on a Redis that does not answer"
        assert isinstance(outcome[0], Exception)  # core.stream.publish logs it and goes on
        assert time.monotonic() - started < PUBLISH_TIMEOUT_SECONDS * 2
    finally:
        private_redis.process.send_signal(signal.SIGCONT)
    transport.send(Message(1, "ping", "{}"))  # and it recovers once Redis answers again
