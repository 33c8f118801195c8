"""Rate limits (spec §10.2, §13.9, §14.25): separate global and strict buckets."""

import multiprocessing
import os
import time
import uuid

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from core.audit.models import AuditLog
from core.http import ratelimit
from core.http.ratelimit import hit

pytestmark = pytest.mark.django_db
GLOBAL_BODY = {"error": "Too many requests. Please try again later."}
STRICT_BODY = {"error": "Too many requests to this endpoint. Please try again later."}


@pytest.fixture
def limits(settings):
    settings.RATE_LIMIT_MAX = 5
    settings.RATE_LIMIT_STRICT_MAX = 3
    return settings


def test_global_limit_counts_every_request_from_an_ip(client, limits, ip):
    remaining = []
    for path in ["/source", "/health", "/", "/no/such/route", "/source"]:
        response = client.get(path, REMOTE_ADDR=ip)
        assert response.status_code != 429
        assert response["X-RateLimit-Limit"] == "5"
        remaining.append(response["X-RateLimit-Remaining"])
    assert remaining == ["4", "3", "2", "1", "0"]
    refused = client.get("/health", REMOTE_ADDR=ip)
    assert refused.status_code == 429
    assert refused.json() == GLOBAL_BODY
    assert refused["X-RateLimit-Limit"] == "5"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert 60 <= int(refused["Retry-After"]) <= 70
    assert int(refused["X-RateLimit-Reset"]) > 0
    assert client.get("/source", REMOTE_ADDR="192.0.2.99").status_code == 200  # another IP


def test_refused_requests_are_not_audited(client, limits, ip):
    for _ in range(8):
        client.post("/test/echo", data={}, content_type="application/json", REMOTE_ADDR=ip)
    assert AuditLog.objects.filter(ip=ip).count() == 5


def test_preflights_are_not_counted(client, limits, ip):
    for _ in range(10):
        assert client.options("/source", REMOTE_ADDR=ip).status_code == 204
    assert client.get("/source", REMOTE_ADDR=ip)["X-RateLimit-Remaining"] == "4"


def test_global_limit_follows_the_forwarded_client(client, limits, settings, ip):
    settings.TRUSTED_PROXY_HOPS = 1
    for _ in range(5):
        client.get("/source", REMOTE_ADDR="10.255.0.1", HTTP_X_FORWARDED_FOR=ip)
    assert (
        client.get("/source", REMOTE_ADDR="10.255.0.1", HTTP_X_FORWARDED_FOR=ip).status_code == 429
    )
    other = client.get("/source", REMOTE_ADDR="10.255.0.1", HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert other.status_code == 200


@pytest.mark.urls("tests.core.http.urls")
def test_strict_limit_on_destructive_requests(client_as, acme, limits):
    limits.RATE_LIMIT_MAX = 100
    client = client_as(acme)
    for expected_remaining in ["2", "1", "0"]:
        response = client.post("/test/destroy")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        assert response["X-RateLimit-Remaining"] == expected_remaining
    refused = client.post("/test/destroy")
    assert refused.status_code == 429
    assert refused.json() == STRICT_BODY
    assert (refused["X-RateLimit-Limit"], refused["X-RateLimit-Remaining"]) == ("3", "0")
    assert 60 <= int(refused["Retry-After"]) <= 70
    assert "X-RateLimit-Reset" in refused


@pytest.mark.urls("tests.core.http.urls")
def test_strict_refusals_do_not_block_reads(client_as, acme, limits):
    limits.RATE_LIMIT_MAX = 100
    client = client_as(acme)
    for _ in range(5):
        client.post("/test/destroy")
    assert client.post("/test/destroy").status_code == 429
    for _ in range(10):
        response = client.get("/test/destroy")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "100"  # the global bucket's headers
    assert (
        client.get("/source", REMOTE_ADDR=client._credentials.get("REMOTE_ADDR")).status_code == 200
    )


@pytest.mark.urls("tests.core.http.urls")
def test_reads_do_not_use_up_the_strict_bucket(client_as, acme, limits):
    limits.RATE_LIMIT_MAX = 100
    client = client_as(acme)
    for _ in range(20):
        assert client.get("/test/destroy").status_code == 200
    response = client.post("/test/destroy")
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "2"


@pytest.mark.urls("tests.core.http.urls")
def test_strict_bucket_is_per_principal(client_as, acme, limits, ip):
    limits.RATE_LIMIT_MAX = 100
    first, second = client_as(acme, user_id=1), client_as(acme, user_id=2)
    for _ in range(3):
        first.post("/test/destroy")
    assert first.post("/test/destroy").status_code == 429
    assert second.post("/test/destroy").status_code == 200


@pytest.mark.urls("tests.core.http.urls")
def test_refused_auth_and_roles_do_not_use_up_the_strict_bucket(client_as, acme, limits, ip):
    limits.RATE_LIMIT_MAX = 100
    anonymous = Client(REMOTE_ADDR=ip)
    viewer = client_as(acme, role="viewer", user_id=1)
    for _ in range(5):
        assert anonymous.post("/test/destroy").status_code == 401
        assert viewer.post("/test/destroy").status_code == 403
    operator = client_as(acme, role="operator", user_id=1)
    assert [operator.post("/test/destroy").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.urls("tests.core.http.urls")
def test_strict_requests_still_count_globally(client_as, acme, limits):
    limits.RATE_LIMIT_MAX = 4
    limits.RATE_LIMIT_STRICT_MAX = 10
    client = client_as(acme)
    assert [client.post("/test/destroy").status_code for _ in range(5)] == [200] * 4 + [429]
    assert client.get("/test/destroy").json() == GLOBAL_BODY


def test_store_failure_fails_open(client, settings, ip, caplog):
    settings.RATE_LIMIT_MAX = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    for _ in range(3):
        response = client.get("/source", REMOTE_ADDR=ip)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response
    assert "Rate-limit store unavailable" in caplog.text


# --- The counting itself, with a controlled clock ---------------------------------------------


@pytest.fixture
def file_cache(tmp_path):
    return FileBasedCache(str(tmp_path / "cache"), {})


def _identity():
    return f"test-{uuid.uuid4()}"


def test_window_and_retry_after(file_cache):
    who, start = _identity(), 1_000_000.0  # the start of a 10 s slot
    for expected in [4, 3, 2, 1, 0]:
        decision = hit("t", who, 5, cache=file_cache, now=start)
        assert (decision.allowed, decision.remaining) == (True, expected)
    refused = hit("t", who, 5, cache=file_cache, now=start + 5)
    assert (refused.allowed, refused.remaining) == (False, 0)
    assert refused.reset_at == 1_000_070
    assert refused.retry_after == 65
    assert refused.headers() == {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "Retry-After": "65",
        "X-RateLimit-Reset": "1000070",
    }
    assert not hit("t", who, 5, cache=file_cache, now=start + 69.9).allowed
    assert hit("t", who, 5, cache=file_cache, now=start + 70).allowed


def test_a_request_is_remembered_for_at_least_sixty_seconds(file_cache):
    who, start = _identity(), 1_000_009.9  # late in a slot
    assert hit("t", who, 1, cache=file_cache, now=start).allowed
    assert not hit("t", who, 1, cache=file_cache, now=start + 60).allowed
    assert hit("t", who, 1, cache=file_cache, now=start + 60.2).allowed


def test_hammering_does_not_extend_the_wait(file_cache):
    who, start = _identity(), 2_000_000.0
    assert hit("t", who, 1, cache=file_cache, now=start).allowed
    for second in range(1, 70):
        assert not hit("t", who, 1, cache=file_cache, now=start + second).allowed
    assert hit("t", who, 1, cache=file_cache, now=start + 70).allowed


def test_window_slides(file_cache):
    who, start = _identity(), 3_000_000.0
    for _ in range(3):
        hit("t", who, 5, cache=file_cache, now=start)
    for _ in range(2):
        hit("t", who, 5, cache=file_cache, now=start + 30)
    refused = hit("t", who, 5, cache=file_cache, now=start + 65)
    assert (refused.allowed, refused.retry_after) == (False, 5)
    later = hit("t", who, 5, cache=file_cache, now=start + 70)
    assert (later.allowed, later.remaining) == (True, 2)


def test_buckets_are_separate(file_cache):
    who, now = _identity(), 4_000_000.0
    for _ in range(3):
        hit("strict", who, 3, cache=file_cache, now=now)
    assert not hit("strict", who, 3, cache=file_cache, now=now).allowed
    assert hit("global", who, 3, cache=file_cache, now=now).remaining == 2


def _hammer(location, who, now, count):
    cache = FileBasedCache(location, {})
    for _ in range(count):
        hit("t", who, 10**9, cache=cache, now=now)


def test_file_cache_counts_exactly_across_processes(tmp_path):
    """Processes sharing the embedded file cache lose no increments."""
    location, who, now = str(tmp_path / "cache"), _identity(), 5_000_000.0
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hammer, args=(location, who, now, 60)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    decision = hit("t", who, 181, cache=FileBasedCache(location, {}), now=now)
    assert (decision.allowed, decision.remaining) == (True, 0)


def test_idle_counter_files_are_swept(file_cache, monkeypatch):
    who = _identity()
    hit("t", who, 5, cache=file_cache)
    directory = os.path.join(file_cache._dir, "ratelimit")
    (stale,) = os.listdir(directory)
    old = time.time() - ratelimit.COUNTER_TTL - 5
    os.utime(os.path.join(directory, stale), (old, old))
    monkeypatch.setattr(ratelimit._FileCounter, "_last_sweep", {})
    hit("t", _identity(), 5, cache=file_cache)
    assert stale not in os.listdir(directory)
    assert len(os.listdir(directory)) == 1


def test_other_cache_backends_count_too():
    cache, who = LocMemCache(f"rl-{uuid.uuid4()}", {}), _identity()
    assert [hit("t", who, 2, cache=cache, now=1e6).remaining for _ in range(2)] == [1, 0]
    refused = hit("t", who, 2, cache=cache, now=1e6 + 1)
    assert (refused.allowed, refused.retry_after) == (False, 69)
    assert hit("t", who, 2, cache=cache, now=1e6 + 70).allowed
