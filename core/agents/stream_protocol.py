"""What a streamed host call's two sides share: the broker's Redis and the keys in it.

- `agents:stream:<key>` — a list the agent appends messages to and the caller pops (BLPOP),
  with a TTL so an abandoned one goes away; each message is JSON with a `t`:
  `item` (`v`: one item), `alive` (the agent runs but has nothing new), `end`, or `error`
  (`outcome`: the same `{"ok": false, "status", "error", "kind"}` a plain call answers).
- `agents:stream:<key>:lease` — kept alive by the caller while it reads; the agent stops the
  stream once it lapses (the caller closed it, went away or died).
- `agents:stream:<key>:claim` — set once by the agent that runs the stream (its BOOT_ID), so a
  redelivered task never runs the same stream twice.

`<key>` is the call's idempotency key (also its task id).
"""

import functools
import json

import redis
from celery import current_app

PREFIX = "agents:stream:"
LIST_TTL = 120  # seconds an unread list outlives its last message
LEASE_SECONDS = 30  # a reader renews its lease every third of this while it reads
CLAIM_TTL = 24 * 3600
TICK = 1.0  # the agent checks the lease (and sends `alive` when quiet) this often

ITEM, ALIVE, END, ERROR = "item", "alive", "end", "error"


def list_key(key: str) -> str:
    return f"{PREFIX}{key}"


def lease_key(key: str) -> str:
    return f"{PREFIX}{key}:lease"


def claim_key(key: str) -> str:
    return f"{PREFIX}{key}:claim"


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def broker_redis() -> redis.Redis:
    """The Redis both sides already share: the Celery broker of this process."""
    return _client(current_app.conf.broker_url)


def message(kind: str, **fields) -> str:
    return json.dumps({"t": kind, **fields}, separators=(",", ":"))
