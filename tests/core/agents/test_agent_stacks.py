"""Compose deployments and long streams on an agent host, end to end: a control plane (web,
worker, beat on a file database and a real Redis) and one agent (`manage.py agent`) on a private
engine. The stack is stored and validated by the control plane, deployed by the agent (its files
under the agent's data directory, never the control plane's), followed to the end through the
API, seen on the agent's engine and in the stack detail, then deleted. More log follows than the
agent has call slots stay open while plain calls to the same host still answer at once (streams
run on the agent's own stream worker), and end on the agent when their readers leave."""

import http.client
import os
import time
import uuid

import docker
import pytest
from redis import Redis

from core.agents import stream_protocol
from fixtures.test_image import ensure_test_image
from tests.core.agents.cluster import Agent, ControlPlane, wait_until
from tests.core.stacks.conftest import compose_file, service
from tools.testenv import private_dockerd

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]

# Compose creates a network per project: this engine allocates it from its own range.
ADDRESS_POOL = "base=10.217.0.0/16,size=24"
STACK = "ckt-agent-stack"
HOST = "edge-stacks"


@pytest.fixture(scope="module")
def agent_engine(docker_client):
    with private_dockerd(address_pool=ADDRESS_POOL) as url:
        client = docker.DockerClient(base_url=url, version="auto", timeout=60)
        ensure_test_image(client)
        yield url, client
        client.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, redis_url, agent_engine):
    """The control plane and the agent of host `edge-stacks`, online."""
    tmp = tmp_path_factory.mktemp("agent-stacks")
    local_url = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    cockpit = ControlPlane(tmp, redis_url, local_url)
    agent = None
    try:
        status, host = cockpit.api.call("POST", "/api/hosts", {"name": HOST, "kind": "agent"})
        assert status == 201, host
        agent = Agent(tmp, HOST, agent_engine[0], cockpit.api.base, host["enrollment"]["token"])

        def online():
            _status, body = cockpit.api.call("GET", "/api/hosts")
            return any(h["slug"] == HOST and h["status"] == "online" for h in body["hosts"])

        wait_until(online, 90, "the agent online")
        yield cockpit, agent, host["id"]
    finally:
        if agent is not None:
            agent.stop()
        cockpit.stop()


def follow(cockpit, answer: tuple[int, dict], timeout: float = 90) -> dict:
    """The operation a 202 answered, followed until it ends; with all its output lines."""
    status, body = answer
    assert status == 202, body
    operation_id = body["operation"]["id"]

    def finished():
        _status, state = cockpit.api.call("GET", f"/api/stacks/operations/{operation_id}")
        return state if state["operation"]["status"] in ("succeeded", "failed") else None

    return wait_until(finished, timeout, f"operation {operation_id} to end", step=0.5)


def project_containers(client, name: str, all_states: bool = True):
    return client.containers.list(
        all=all_states, filters={"label": f"com.docker.compose.project={name}"}
    )


def test_a_stack_deployed_followed_and_deleted_on_an_agent_host(cluster, agent_engine):
    cockpit, agent, host_id = cluster
    _url, engine = agent_engine
    api = cockpit.api
    try:
        status, saved = api.call(
            "POST",
            f"/api/stacks?host={HOST}",
            {"name": STACK, "compose": compose_file(app=service())},
        )
        assert status == 201, saved
        assert saved["services"] == ["app"]
        assert saved["stack"]["host"] == HOST

        done = follow(cockpit, api.call("POST", f"/api/stacks/{STACK}/deploy?host={HOST}"))
        assert done["operation"]["status"] == "succeeded", done
        assert done["operation"]["exitCode"] == 0
        assert done["operation"]["host"] == HOST
        assert done["lines"], "compose's output came back from the agent"
        assert done["lastLine"] == done["operation"]["lineCount"]

        # On the agent's engine, with its files on the agent's side only.
        [container] = project_containers(engine, STACK, all_states=False)
        assert container.labels["com.docker.compose.service"] == "app"
        org_dirs = list((agent.tmp / f"agent-{HOST}" / "stacks").glob(f"*/{host_id}/{STACK}"))
        assert len(org_dirs) == 1
        assert (org_dirs[0] / "compose.yaml").exists()
        assert not list((cockpit.tmp / "control" / "stacks").glob(f"*/{host_id}/{STACK}"))

        status, detail = api.call("GET", f"/api/stacks/{STACK}?host={HOST}")
        assert status == 200, detail
        assert (detail["containerCount"], detail["running"]) == (1, 1)
        assert detail["deployment"]["currentVersion"] == 1
        assert [c["id"] for c in detail["containers"]] == [container.id]
        status, services = api.call("GET", f"/api/stacks/{STACK}/services?host={HOST}")
        assert status == 200, services
        [app] = services["services"]
        assert (app["service"], app["running"]) == ("app", 1)
        assert app["containers"][0]["id"] == container.id

        def ticking():
            _status, body = api.call("GET", f"/api/stacks/{STACK}/logs?host={HOST}&tail=3")
            return body.get("logs", {}).get("app")

        assert wait_until(ticking, 20, "the service's logs")[-1].endswith("tick")

        done = follow(cockpit, api.call("DELETE", f"/api/stacks/{STACK}?host={HOST}"))
        assert done["operation"]["status"] == "succeeded", done
        assert project_containers(engine, STACK) == []
        assert not org_dirs[0].exists()  # forgotten on the agent
        status, gone = api.call("GET", f"/api/stacks/{STACK}?host={HOST}")
        assert (status, gone) == (404, {"error": "Stack not found"})
    finally:
        for leftover in project_containers(engine, STACK):
            leftover.remove(force=True)
        for network in engine.networks.list(names=[f"{STACK}_default"]):
            network.remove()


class OpenFollow:
    """A log follow through the API, open until closed: its reader has seen the first line."""

    def __init__(self, api, path: str):
        port = int(api.base.rsplit(":", 1)[1])
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", path, headers={"Authorization": f"Bearer {api.token}"})
        response = self.connection.getresponse()
        assert response.status == 200, response.read()
        line = ""
        while not line.startswith("data: "):
            line = response.readline().decode()
        self.first_line = line[len("data: ") :].rstrip("\r\n")

    def close(self) -> None:
        self.connection.close()  # the client goes away


def stream_leases(redis) -> list[bytes]:
    return list(redis.scan_iter(match=f"{stream_protocol.PREFIX}*:lease"))


def test_open_follows_leave_plain_calls_answering(cluster, agent_engine, redis_url, test_image):
    cockpit, agent, host_id = cluster
    _url, engine = agent_engine
    api, redis = cockpit.api, Redis.from_url(redis_url)
    assert f"consuming host.{host_id}.streams" in agent.output  # the agent's stream worker
    talker = engine.containers.run(
        test_image,
        ["sh", "-c", "echo first-line; trap 'exit 0' TERM; while true; do sleep 1; done"],
        name=f"ckt-agent-talker-{uuid.uuid4().hex[:8]}", labels={"ck-test": "agents"}, detach=True,
    )  # fmt: skip
    follows: list[OpenFollow] = []
    stopped_before = agent.output.count("stopped: its reader went away")
    leases_before = set(stream_leases(redis))
    try:
        wait_until(lambda: b"first-line" in talker.logs(), 10, "the talker's first line")
        path = f"/api/containers/{talker.id}/logs?host={HOST}&follow=true&tail=1"
        for _ in range(3):  # the harness's agent has 2 slots for plain calls
            follows.append(OpenFollow(api, path))
            assert follows[-1].first_line.endswith(" first-line")
        assert len(set(stream_leases(redis)) - leases_before) == 3

        def answered_at_once(path: str) -> dict:
            started = time.monotonic()
            status, body = api.call("GET", path, timeout=10)
            assert status == 200, body
            assert time.monotonic() - started < 3, f"{path} waited behind the streams"
            return body

        detail = answered_at_once(f"/api/containers/{talker.id}?host={HOST}")
        assert detail["container"]["Id"] == talker.id
        listing = answered_at_once(f"/api/containers?host={HOST}")
        assert talker.name in {container["name"] for container in listing["containers"]}

        for follow in follows:
            follow.close()
        wait_until(lambda: not set(stream_leases(redis)) - leases_before, 10, "the leases to go")
        wait_until(
            lambda: agent.output.count("stopped: its reader went away") - stopped_before == 3,
            15, "the agent to stop all three streams",
        )  # fmt: skip
    finally:
        for follow in follows:
            follow.close()
        talker.remove(force=True)
