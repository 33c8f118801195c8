"""Celery queue depth: messages waiting in the broker, per queue.

Redis broker: the LLEN of each queue's list. Filesystem broker (embedded default): the message
files waiting in the queue folder (kombu names them `<ms>_<uuid>.<queue>.msg`).
"""

import logging
import os
from collections import Counter
from functools import cache

from django.conf import settings

from core.hosts.models import DockerHost, HostKind

log = logging.getLogger(__name__)
REDIS_TIMEOUT = 2.0


def known_queues() -> list[str]:
    default = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    agents = DockerHost.objects.filter(kind=HostKind.AGENT).values_list("pk", flat=True)
    return [default, *(f"host.{pk}" for pk in agents)]


def depths() -> dict[str, int]:
    """{queue: waiting messages}; {} when the broker cannot be read."""
    queues = known_queues()
    try:
        if settings.REDIS_URL:
            return _redis_depths(queues)
        return _filesystem_depths(queues)
    except Exception as exc:  # a scrape reports what it can; the broker's health is /health's job
        log.warning("celery queue depth unavailable: %s", exc)
        return {}


@cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT, max_connections=4
    )


def _redis_depths(queues: list[str]) -> dict[str, int]:
    pipe = _redis_client(settings.REDIS_URL).pipeline(transaction=False)
    for queue in queues:
        pipe.llen(queue)
    return dict(zip(queues, pipe.execute(), strict=True))


def _filesystem_depths(queues: list[str]) -> dict[str, int]:
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    counts = Counter()
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            queue_file = name.partition(".")[2]
            if queue_file.endswith(".msg"):
                counts[queue_file.removesuffix(".msg")] += 1
    return {queue: counts.get(queue, 0) for queue in sorted({*queues, *counts})}
