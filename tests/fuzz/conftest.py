"""The fuzz run's own Docker engine and tenant.

Fuzzing calls every operation, destructive ones included (prune, remove, network and volume
create/delete, stack deploys), so it never runs against the shared engine: it starts a private
dockerd with its own address pool (10.214.0.0/16, not the 10.213.0.0/16 of tools.testenv's
engine) whose registry traffic goes to a dead loopback proxy (no pull leaves the machine), and
a network guard keeps the app's own outbound traffic on loopback."""

import os
import shutil
import uuid

import docker
import pytest

from fixtures.test_image import IMAGE, ensure_test_image
from tests.conftest import REQUIRE_SERVICES
from tests.network_guard import loopback_only
from tools.testenv import is_root, private_dockerd

FUZZ_ADDRESS_POOL = "base=10.214.0.0/16,size=24"
DEAD_PROXY = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused
TARGET_NAME = "ckfuzz-target"
# Stops at once on SIGTERM (a bare `sleep` as PID 1 ignores it and costs every stop 10 s).
TARGET_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fuzz_engine():
    """A private engine for destructive fuzzing: (base_url, client), with the test image and a
    running container to act on."""
    if not (is_root() and shutil.which("dockerd")):
        _unavailable("fuzzing needs a private dockerd (root and dockerd installed)")
    proxy_env = dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY"), DEAD_PROXY)
    saved = {name: os.environ.get(name) for name in (*proxy_env, "NO_PROXY")}
    os.environ.update(proxy_env, NO_PROXY="")  # read by the dockerd started below
    try:
        engine = private_dockerd(FUZZ_ADDRESS_POOL)
        base_url = engine.__enter__()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    client = docker.DockerClient(base_url=base_url, version="auto", timeout=60)
    try:
        ensure_test_image(client)
        yield base_url, client
    finally:
        client.close()
        engine.__exit__(None, None, None)


@pytest.fixture
def network_guard():
    with loopback_only():
        yield


def ensure_target(client) -> None:
    """The running container fuzzed path ids often name (an earlier case may have removed,
    stopped or paused it)."""
    try:
        container = client.containers.get(TARGET_NAME)
    except docker.errors.NotFound:
        ensure_test_image(client)
        client.containers.run(
            IMAGE, TARGET_COMMAND, name=TARGET_NAME, detach=True,
            labels={"org.cockpit.test": "fuzz"},
        )  # fmt: skip
        return
    if container.status == "paused":
        container.unpause()
    elif container.status != "running":
        container.start()


@pytest.fixture
def fuzz_org(db, fuzz_engine):
    """A tenant whose default host is the private engine, with its target container up."""
    from core.accounts.models import Organization
    from core.hosts.models import DockerHost

    ensure_target(fuzz_engine[1])
    org = Organization.objects.create(name="Fuzz", slug=f"fuzz-{uuid.uuid4().hex[:8]}")
    DockerHost.objects.create(
        org=org, name="local", slug="local", base_url=fuzz_engine[0], is_default=True
    )
    return org


@pytest.fixture
def fuzz_token(fuzz_org, token_for):
    return token_for("admin", fuzz_org)
