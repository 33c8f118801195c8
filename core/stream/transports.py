"""How a published event reaches every web process, and where alert events wait for replay.

- With REDIS_URL: plain Redis pub/sub on one channel. Each web process holds ONE subscription
  (not one per stream) and fans out locally, so Redis connections do not grow with clients.
  Replayed events are numbered and appended to a bounded per-organisation list by one Lua
  script, in the same step as the PUBLISH, so ids, list order and delivery order agree.
  Measured against channels-redis' RedisPubSubChannelLayer (bench notes in bench/README.md):
  the channel layer adds msgpack and a per-consumer channel for nothing a single subscription
  per process does not already give.
- Embedded default (no Redis): the one web process binds a Unix datagram socket in DATA_DIR
  (`stream.sock`, mode 0600); any local process (Celery worker, beat, the web process itself)
  sends each event as one datagram. The web process numbers replayed events and keeps them in
  an in-memory ring per organisation. No listener (web not running) = nothing to deliver to:
  the datagram is dropped. One web process per DATA_DIR in this mode (a second one would take
  the socket over).

Ids of replayed events are microsecond timestamps forced to increase, so they stay ordered
across a web restart (embedded) or a Redis flush.
"""

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable
from functools import cache

from django.conf import settings

from core.stream.messages import Message

log = logging.getLogger(__name__)

CHANNEL = "cockpit:stream"
REPLAY_KEY = "cockpit:stream:replay:{org_id}"
SEQUENCE_KEY = "cockpit:stream:seq:{org_id}"
REPLAY_TTL_SECONDS = 24 * 3600
PUBLISH_POOL_SIZE = 4  # per publishing process; calls are short
# A Redis that hangs (no answer, no reset) must not hang a request or task that publishes
# (redis-py 8 defaults to 5 s too; stated here so no upgrade can make it wait for ever).
PUBLISH_TIMEOUT_SECONDS = 5.0
LISTEN_POOL_SIZE = 8  # per web process: the subscription plus replay reads on reconnects
RECONNECT_DELAYS = (0.5, 1, 2, 5, 10, 30)
SOCKET_NAME = "stream.sock"
MAX_UNIX_PATH = 107
SOCKET_SEND_TIMEOUT = 1.0
SOCKET_RECEIVE_BUFFER = 4 * 1024 * 1024

Deliver = Callable[[Message], None]

# KEYS: sequence, replay list. ARGV: now_us, org, event, data_json, max_len, ttl, channel.
_PUBLISH_REPLAYED = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local id = tonumber(ARGV[1])
if id <= last then id = last + 1 end
local sid = string.format('%d', id)
redis.call('SET', KEYS[1], sid, 'EX', ARGV[6])
local entry = sid .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4]
redis.call('RPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('PUBLISH', ARGV[7], ARGV[2] .. '\\n' .. entry)
return sid
"""


def now_us() -> int:
    return time.time_ns() // 1000


def _replay_size() -> int:
    return settings.SSE_REPLAY_SIZE


class RedisTransport:
    def __init__(self, url: str):
        self.url = url
        self._sync = None
        self._publish_script = None
        self._async = None

    # --- publisher side (any process, sync) ---
    def send(self, message: Message) -> None:
        if self._sync is None:
            import redis

            pool = redis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=PUBLISH_POOL_SIZE,
                timeout=PUBLISH_TIMEOUT_SECONDS,
                socket_timeout=PUBLISH_TIMEOUT_SECONDS,
                socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
            )
            self._sync = redis.Redis(connection_pool=pool)
            self._publish_script = self._sync.register_script(_PUBLISH_REPLAYED)
        if message.replayed:
            org = str(message.org_id)
            self._publish_script(
                keys=[SEQUENCE_KEY.format(org_id=org), REPLAY_KEY.format(org_id=org)],
                args=[now_us(), org, message.event, message.data_json, _replay_size(),
                      REPLAY_TTL_SECONDS, CHANNEL],
            )  # fmt: skip
        else:
            self._sync.publish(CHANNEL, message.encode())

    # --- web side (asyncio) ---
    def _client(self):
        if self._async is None:
            import redis.asyncio as aioredis

            pool = aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=LISTEN_POOL_SIZE, timeout=10
            )
            self._async = aioredis.Redis(connection_pool=pool)
        return self._async

    async def listen(self, deliver: Deliver) -> None:
        failures = 0
        while True:
            pubsub = self._client().pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                failures = 0
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        _deliver_safely(deliver, item["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a dropped connection: resubscribe after a pause
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("stream subscription lost (%s); retrying in %ss", exc, delay)
                await asyncio.sleep(delay)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:  # closing a broken connection may fail too
                    log.debug("closing the stream subscription failed", exc_info=True)

    async def replay(self, org_id: int, after_id: int) -> list[Message]:
        entries = await self._client().lrange(REPLAY_KEY.format(org_id=org_id), 0, -1)
        messages = [Message.decode(f"{org_id}\n".encode() + entry) for entry in entries]
        return sorted(
            (message for message in messages if message.event_id > after_id),
            key=lambda message: message.event_id,
        )


def socket_address(data_dir) -> str:
    path = os.path.join(str(data_dir), SOCKET_NAME)
    if len(path.encode()) <= MAX_UNIX_PATH:
        return path
    # Too long for sockaddr_un: a Linux abstract socket named after DATA_DIR instead.
    return "\0cockpit-stream-" + hashlib.sha256(path.encode()).hexdigest()[:24]


class _DatagramReceiver(asyncio.DatagramProtocol):
    def __init__(self, deliver: Deliver):
        self.deliver = deliver

    def datagram_received(self, data, addr):
        _deliver_safely(self.deliver, data)


class LocalSocketTransport:
    def __init__(self, data_dir):
        self.address = socket_address(data_dir)
        self.data_dir = data_dir
        self._rings: dict[int, deque[Message]] = {}
        self._last_id = 0

    def send(self, message: Message) -> None:
        payload = message.encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(SOCKET_SEND_TIMEOUT)
            try:
                sock.sendto(payload, self.address)
            except (FileNotFoundError, ConnectionRefusedError):
                log.debug("no web process listens for stream events; %s dropped", message.event)
            except OSError as exc:
                log.warning("stream event %s not sent: %s", message.event, exc)

    async def listen(self, deliver: Deliver) -> None:
        def numbered(message: Message) -> None:
            if message.replayed and message.org_id is not None:
                self._last_id = max(now_us(), self._last_id + 1)
                message = Message(message.org_id, message.event, message.data_json, self._last_id)
                ring = self._rings.setdefault(message.org_id, deque(maxlen=_replay_size()))
                ring.append(message)
            deliver(message)

        sock = self._bind()
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _DatagramReceiver(numbered), sock=sock
        )
        try:
            await asyncio.Event().wait()  # serve until cancelled
        finally:
            transport.close()

    def _bind(self) -> socket.socket:
        if not self.address.startswith("\0"):
            os.makedirs(self.data_dir, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address)  # left over by a web process that did not stop cleanly
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_RECEIVE_BUFFER)
        old_umask = os.umask(0o177)
        try:
            sock.bind(self.address)
        finally:
            os.umask(old_umask)
        sock.setblocking(False)
        return sock

    async def replay(self, org_id: int, after_id: int) -> list[Message]:
        return [m for m in self._rings.get(org_id, ()) if m.event_id > after_id]


def _deliver_safely(deliver: Deliver, raw: bytes) -> None:
    try:
        message = Message.decode(raw)
    except (ValueError, UnicodeDecodeError):
        log.warning("malformed stream message ignored")
        return
    deliver(message)


@cache
def _transport_for(redis_url: str, data_dir: str):
    return RedisTransport(redis_url) if redis_url else LocalSocketTransport(data_dir)


def transport():
    """This process's transport for the current settings."""
    return _transport_for(settings.REDIS_URL, str(settings.DATA_DIR))
