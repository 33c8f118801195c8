"""Fixtures of the fault tests on real processes: a private Redis the test may stop and start,
and a control plane (web, worker, beat) on it with FAULT_SETTINGS."""

import shutil

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.hardening.control_plane import FAULT_SETTINGS, RestartableRedis, start_control_plane


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is not installed", pytrace=False)
        pytest.skip("redis-server is not installed")
    redis = RestartableRedis().start()
    yield redis
    redis.close()


@pytest.fixture
def plane(tmp_path, private_redis, monkeypatch, docker_client, test_image):
    for name, value in FAULT_SETTINGS.items():
        monkeypatch.setenv(name, value)
    control_plane = start_control_plane(tmp_path, private_redis)
    yield control_plane
    control_plane.stop()
