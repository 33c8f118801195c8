"""Brute-force lockout: 5 failures per IP or per account inside a decaying 15-minute window."""

import pytest
from django.core.cache.backends.redis import RedisCache

from core.accounts import lockout
from tests.core.accounts.conftest import SHARED_KEY, login

pytestmark = pytest.mark.django_db
LOCKED = {"error": "Too many failed attempts. Try again in 15 minutes."}


@pytest.fixture
def clock(monkeypatch):
    """The lockout's clock, moved by hand instead of sleeping."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, seconds):
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(lockout, "now", lambda: fake.now)
    return fake


def fail_token(call, times, ip="203.0.113.10"):
    for _ in range(times):
        assert call("post", "/auth/token", {"apiKey": "wrong"}, ip=ip).status_code == 401


def test_five_failures_lock_the_ip_for_all_three_endpoints(call, key_mode, clock):
    fail_token(call, 5)
    for path, body in [
        ("/auth/token", {"apiKey": SHARED_KEY}),
        ("/auth/login", {"email": "a@b.co", "password": "x"}),
        ("/auth/refresh", {"refreshToken": "x"}),
    ]:
        response = call("post", path, body)
        assert response.status_code == 429
        assert response.json() == LOCKED
        assert response["Retry-After"] == "900"


def test_lockout_is_checked_before_body_validation(call, key_mode, clock):
    fail_token(call, 5)
    assert call("post", "/auth/token", raw="[]").status_code == 429
    assert call("post", "/auth/token", {}).status_code == 429


def test_four_failures_do_not_lock(call, key_mode, clock):
    fail_token(call, 4)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 200


def test_the_lock_is_per_ip(call, key_mode, clock):
    fail_token(call, 5, ip="203.0.113.10")
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}, ip="203.0.113.99").status_code == 200


def test_the_lock_ends_after_15_minutes(call, key_mode, clock):
    fail_token(call, 5)
    clock.advance(14 * 60)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 429
    clock.advance(61)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 200


def test_old_failures_decay(call, key_mode, clock):
    fail_token(call, 4)
    clock.advance(16 * 60)  # those four are now outside the window
    fail_token(call, 4)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 200


def test_failures_inside_the_window_add_up(call, key_mode, clock):
    fail_token(call, 3)
    clock.advance(10 * 60)
    fail_token(call, 2)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).json() == LOCKED


def test_success_clears_the_counter(call, key_mode, clock):
    fail_token(call, 4)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 200
    fail_token(call, 4)
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 200


def test_validation_errors_are_not_failures(call, key_mode, clock):
    for _ in range(6):
        assert call("post", "/auth/token", {}).status_code == 400
    assert call("post", "/auth/token", {"apiKey": SHARED_KEY}).status_code == 200


def test_an_account_locks_across_ips(call, users_mode, member, clock):
    user = member("admin")
    for index in range(5):
        assert login(call, user.email, "wrong", ip=f"198.51.100.{index}").status_code == 401
    response = login(call, user.email, ip="192.0.2.50")  # right password, fresh IP
    assert response.status_code == 429
    assert response.json() == LOCKED
    other = member("viewer")
    assert login(call, other.email, ip="192.0.2.50").status_code == 200


def test_account_lock_decays(call, users_mode, member, clock):
    user = member("admin")
    for index in range(5):
        login(call, user.email, "wrong", ip=f"198.51.100.{index}")
    clock.advance(15 * 60 + 1)
    assert login(call, user.email, ip="192.0.2.50").status_code == 200


def test_org_key_prefix_is_an_account(call, users_mode, org_key, clock):
    _, secret = org_key()
    for index in range(5):
        wrong = secret[:-4] + "AAAA"
        assert (
            call("post", "/auth/token", {"apiKey": wrong}, ip=f"198.51.100.{index}").status_code
            == 401
        )
    assert call("post", "/auth/token", {"apiKey": secret}, ip="192.0.2.1").status_code == 429


def test_refresh_failures_count(call, users_mode, clock):
    for _ in range(5):
        assert call("post", "/auth/refresh", {"refreshToken": "ab" * 48}).status_code == 401
    assert call("post", "/auth/refresh", {"refreshToken": "ab" * 48}).json() == LOCKED


def test_counters_live_in_the_shared_cache(call, key_mode, clock):
    from django.core.cache import cache

    fail_token(call, 5)
    assert lockout.is_locked(ip="203.0.113.10")
    cache.clear()  # the state is in the cache every web process shares, not in this process
    assert not lockout.is_locked(ip="203.0.113.10")


@pytest.mark.redis
def test_lockout_works_on_redis(monkeypatch, redis_url, clock):
    store = RedisCache(redis_url, {"KEY_PREFIX": "lockout-test"})
    monkeypatch.setattr(lockout, "cache", store)
    store.clear()
    try:
        for _ in range(5):
            lockout.record_failure(ip="192.0.2.77")
        assert lockout.is_locked(ip="192.0.2.77")
        clock.advance(15 * 60 + 1)
        assert not lockout.is_locked(ip="192.0.2.77")
    finally:
        store.clear()


def test_a_broken_store_fails_open(monkeypatch, clock):
    monkeypatch.setattr(lockout, "cache", RedisCache("redis://127.0.0.1:1/0", {}))
    lockout.record_failure(ip="192.0.2.78")
    assert not lockout.is_locked(ip="192.0.2.78")
    lockout.clear(ip="192.0.2.78")
