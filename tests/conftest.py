"""Shared fixtures: the real Docker engine and Redis the test command made available.

A test that needs a service is marked (`docker`, `redis`); without the service it is skipped
with the reason, unless COCKPIT_REQUIRE_SERVICES=1 (set in CI), where a skip fails the run.
"""

import os
import shutil
import uuid

import docker
import pytest
import redis

from fixtures.test_image import IMAGE, ensure_test_image

REQUIRE_SERVICES = os.environ.get("COCKPIT_REQUIRE_SERVICES") == "1"
_service_state: dict[str, tuple[object, str]] = {}


def _docker_engine():
    if "docker" not in _service_state:
        base_url = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        try:
            client = docker.DockerClient(base_url=base_url, version="auto", timeout=30)
            client.ping()
            _service_state["docker"] = (
                client,
                f"Docker engine {client.version()['Version']} at {base_url}",
            )
        except Exception as exc:
            _service_state["docker"] = (
                None,
                f"no Docker engine at {base_url} ({exc.__class__.__name__})",
            )
    return _service_state["docker"]


def _redis_server():
    if "redis" not in _service_state:
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            _service_state["redis"] = (None, "TEST_REDIS_URL is not set")
        else:
            try:
                redis.Redis.from_url(url, socket_timeout=2).ping()
                _service_state["redis"] = (url, f"Redis at {url}")
            except redis.RedisError as exc:
                _service_state["redis"] = (None, f"Redis at {url} does not answer ({exc})")
    return _service_state["redis"]


def pytest_report_header(config):
    return [_docker_engine()[1], _redis_server()[1]]


def _require(service, reason):
    if service is None:
        if REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {reason}", pytrace=False)
        pytest.skip(reason)
    return service


def pytest_collection_modifyitems(config, items):
    """Tests of one database's own behaviour are left out (deselected, not skipped: CI skips
    nothing) when the suite runs on another."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return
    kept = [item for item in items if not item.get_closest_marker("sqlite_only")]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_runtest_setup(item):
    if item.get_closest_marker("docker"):
        _require(*_docker_engine())
    if item.get_closest_marker("redis"):
        _require(*_redis_server())


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if REQUIRE_SERVICES and skipped and exitstatus == 0:
        reporter.write_line(f"CI must skip no test, but {skipped} were skipped", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def docker_client():
    return _require(*_docker_engine())


@pytest.fixture(scope="session")
def test_image(docker_client):
    return ensure_test_image(docker_client)


@pytest.fixture(scope="session")
def redis_url():
    return _require(*_redis_server())


@pytest.fixture(autouse=True)
def _fresh_shared_cache(settings):
    """Each test starts with an empty shared cache: rate-limit windows, lockouts, edition and
    snapshot entries of one test must not leak into the next (ids repeat between tests)."""
    from django.core.cache import cache

    cache.clear()
    location = settings.CACHES["default"].get("LOCATION")
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache") and location:
        shutil.rmtree(os.path.join(location, "ratelimit"), ignore_errors=True)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# --- Tenants and real access tokens (core.accounts) -------------------------------------------


MEMBER_PASSWORD = "correct horse battery"


def _make_org(name: str):
    from core.accounts.models import Organization
    from core.hosts.models import DockerHost

    org = Organization.objects.create(name=name, slug=f"{name.lower()}-{uuid.uuid4().hex[:8]}")
    DockerHost.objects.create(
        org=org,
        name="local",
        slug="local",
        base_url=os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock",
        is_default=True,
    )
    return org


@pytest.fixture
def org(db):
    """A CE tenant with a default local host on the test engine."""
    return _make_org("Acme")


@pytest.fixture
def other_org(db):
    """A second tenant, for cross-tenant tests: its rows must never show up for `org`."""
    return _make_org("Globex")


@pytest.fixture
def member(org):
    """`member(role, org=None)` → a new User with that role in `org` (default: the `org`)."""
    from core.accounts.models import Membership, User

    def make(role: str = "admin", in_org=None, password: str = MEMBER_PASSWORD):
        target = in_org or org
        email = f"{role}-{uuid.uuid4().hex[:8]}@{target.slug}.test"
        user = User.objects.create_user(email=email, password=password)
        Membership.objects.create(user=user, org=target, role=role)
        return user

    return make


@pytest.fixture
def token_for(org, member):
    """`token_for(role, org=None)` → a real signed access token (Bearer value) for a new user
    with that role in `org`."""
    from core.accounts.models import Membership
    from core.accounts.principal import user_principal
    from core.accounts.tokens import issue_access_token

    def make(role: str = "admin", in_org=None) -> str:
        user = member(role, in_org or org)
        membership = Membership.objects.get(user=user, org=in_org or org)
        return issue_access_token(user_principal(user, membership))

    return make


@pytest.fixture
def auth_client(token_for):
    """`auth_client(role, org=None)` → an APIClient sending a real Bearer token."""
    from rest_framework.test import APIClient

    def make(role: str = "admin", in_org=None) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(role, in_org)}")
        return client

    return make


@pytest.fixture
def stream_tap():
    """Collects what publish() sends through the embedded transport (see tests/stream_tap.py)."""
    from tests.stream_tap import StreamTap

    tap = StreamTap()
    yield tap
    tap.close()


__all__ = ["IMAGE"]
