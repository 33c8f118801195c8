"""Deployments on hosts whose engine the control plane cannot reach itself: an agent host's
files are validated here (compose config needs no engine) and its operations go to the agent
(an offline one fails the operation with the 504 message at once); a host that is neither
reachable nor an agent is still refused up front. The agent side is in test_runner.py and
tests/core/agents/test_agent_stacks.py."""

import time

import pytest

from core.hosts.models import DockerHost, HostKind, HostStatus
from core.stacks.models import OperationStatus, Stack, StackOperation
from tests.core.stacks.conftest import compose_file, service

pytestmark = pytest.mark.usefixtures("eager_tasks")


@pytest.fixture
def edge(org):
    return DockerHost.objects.create(
        org=org, name="edge", slug="edge", kind=HostKind.AGENT, status=HostStatus.OFFLINE
    )


def save(client, slug: str, name: str):
    body = {"name": name, "compose": compose_file(app=service())}
    return client.post(f"/api/stacks?host={slug}", body, format="json")


def test_files_for_an_agent_host_are_validated_on_the_control_plane(admin, edge):
    response = save(admin, "edge", "ckt-stk-edge")
    assert response.status_code == 201, response.json()
    assert response.json()["services"] == ["app"]
    bad = {"name": "ckt-stk-edge", "compose": "services:\n  web:\n    image: x\n    bogus: 1\n"}
    refused = admin.post("/api/stacks?host=edge", bad, format="json")
    assert refused.status_code == 400
    assert "additional properties 'bogus' not allowed" in refused.json()["error"]


def test_an_offline_agent_host_fails_the_operation_at_once(admin, edge, settings):
    settings.AGENT_OFFLINE_AFTER_SECONDS = 6
    assert save(admin, "edge", "ckt-stk-edge").status_code == 201
    started = time.monotonic()

    response = admin.post("/api/stacks/ckt-stk-edge/deploy?host=edge")

    assert response.status_code == 202  # queued; the worker (eager here) meets the offline host
    assert time.monotonic() - started < 5
    operation = StackOperation.objects.get(pk=response.json()["operation"]["id"])
    assert operation.status == OperationStatus.FAILED
    assert operation.error == "Host edge did not answer within 6 s"
    assert operation.exit_code is None
    assert Stack.objects.get(name="ckt-stk-edge").current_version is None
    services = admin.get("/api/stacks/ckt-stk-edge/services?host=edge")
    assert services.status_code == 504
    assert services.json() == {"error": "Host edge did not answer within 6 s"}


def test_a_host_compose_cannot_reach_is_refused_up_front(admin, org):
    DockerHost.objects.create(org=org, name="bare", slug="bare", kind=HostKind.TCP, base_url="")
    assert save(admin, "bare", "ckt-stk-bare").status_code == 201  # files need no engine

    response = admin.post("/api/stacks/ckt-stk-bare/deploy?host=bare")

    assert response.status_code == 400
    assert response.json() == {
        "error": "Compose deployments need a host with an engine address or an agent"
    }
    assert not StackOperation.objects.exists()
