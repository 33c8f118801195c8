"""Liveness of the parts Cockpit needs: database, local Docker engine, task broker."""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import connection

from core.docker.engine import ping

STARTED_AT = time.monotonic()
BROKER_TIMEOUT = 2.0
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")


def uptime_seconds() -> float:
    return round(time.monotonic() - STARTED_AT, 3)


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not ok"; Django drops a broken connection
        return False  # when the request finishes


def docker_ok() -> bool:
    return ping(settings.DOCKER_HOST, timeout=settings.HEALTH_DOCKER_TIMEOUT)


def broker_ok() -> bool:
    if settings.REDIS_URL:
        try:
            client = redis.Redis.from_url(
                settings.REDIS_URL,
                socket_timeout=BROKER_TIMEOUT,
                socket_connect_timeout=BROKER_TIMEOUT,
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False
    queue = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    return os.path.isdir(queue) and os.access(queue, os.W_OK)


def report() -> tuple[bool, dict]:
    """(healthy, body) for `GET /health`. Docker and broker are probed in parallel with the
    database so a dead engine costs at most its own timeout."""
    docker_future = _probes.submit(docker_ok)
    broker_future = _probes.submit(broker_ok)
    results = {
        "db": database_ok(),
        "docker": docker_future.result(),
        "broker": broker_future.result(),
    }
    checks = {"api": "ok", **{name: "ok" if ok else "error" for name, ok in results.items()}}
    healthy = all(results.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": checks,
        "uptime": uptime_seconds(),
        "timestamp": now_iso(),
    }
    return healthy, body
