"""Issue 7's test: two private engines, each with its agent (`manage.py agent`), plus the local
host, through a real Redis broker, with real web, worker and beat processes on a file
database. Containers are listed and acted on per host, the cross-host overview adds up, an
agent killed mid-action never acts twice, and a stopped agent turns its host offline within the
heartbeat window. On an agent host, logs are read and followed, networks and volumes created,
a container rebuilt, a pull refused as on a local host and a pull from a loopback registry
streamed back."""

import http.client
import json
import os
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime

import docker
import pytest
from redis import Redis

from core.agents import stream_protocol
from fixtures.test_image import ensure_test_image
from tests.core.agents.cluster import Agent, ControlPlane, wait_until
from tests.registry import Registry
from tools.testenv import private_dockerd

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]

PREFIX = "ck-agents-"
POOLS = ("base=10.214.0.0/16,size=24", "base=10.215.0.0/16,size=24")


@pytest.fixture(scope="module")
def engines(docker_client):
    """Two private engines (own sockets, data roots, address pools) with the test image."""
    with ExitStack() as stack:
        urls = [stack.enter_context(private_dockerd(address_pool=pool)) for pool in POOLS]
        clients = [docker.DockerClient(base_url=url, version="auto", timeout=60) for url in urls]
        for client in clients:
            ensure_test_image(client)
        yield list(zip(urls, clients, strict=True))
        for client in clients:
            client.close()


def run_container(client, name: str, test_image: str, *, start: bool = True):
    # `sleep` as PID 1 ignores SIGTERM: a stop or restart waits its full timeout.
    container = client.containers.create(
        test_image, ["sleep", "3600"], name=PREFIX + name, labels={"ck-test": "agents"}
    )
    if start:
        container.start()
    return container


def hosts_by_slug(cockpit) -> dict:
    status, body = cockpit.api.call("GET", "/api/hosts")
    assert status == 200
    return {host["slug"]: host for host in body["hosts"]}


def names(listing: dict) -> set[str]:
    return {c["name"] for c in listing["containers"] if c["name"].startswith(PREFIX)}


def follow_until(api, path: str, wanted: str, on_open, seconds: float = 30) -> list[str]:
    """Read a log follow's SSE lines until one ends with `wanted`, then hang up."""
    connection = http.client.HTTPConnection("127.0.0.1", int(api.base.rsplit(":", 1)[1]), 10)
    seen: list[str] = []
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {api.token}"})
        response = connection.getresponse()
        assert response.status == 200, response.read()
        deadline = time.monotonic() + seconds
        opened = False
        while time.monotonic() < deadline:
            line = response.readline().decode().rstrip("\r\n")
            if line.startswith("data: "):
                seen.append(line[len("data: ") :])
                if not opened:
                    opened = True
                    on_open()
                if seen[-1].endswith(wanted):
                    return seen
        raise AssertionError(f"{wanted!r} never came: {seen}")
    finally:
        connection.close()  # the client goes away


def ndjson_lines(api, path: str, body: dict) -> list[dict]:
    connection = http.client.HTTPConnection("127.0.0.1", int(api.base.rsplit(":", 1)[1]), 60)
    try:
        headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        assert response.getheader("Content-Type") == "application/x-ndjson"
        return [json.loads(line) for line in response.read().decode().splitlines()]
    finally:
        connection.close()


def stream_leases(redis) -> list[bytes]:
    return list(redis.scan_iter(match=f"{stream_protocol.PREFIX}*:lease"))


def docker_operations_on_an_agent_host(cockpit, agent, engine, others, redis_url, test_image):
    """Logs (read and follow), networks, volumes, rebuild and pull through an agent: the
    answers a local host gives. `others`: clients of engines a pull on `engine` must not reach."""
    api, redis = cockpit.api, Redis.from_url(redis_url)
    talker = engine.containers.run(
        test_image,
        ["sh", "-c", "echo first-line; trap 'exit 0' TERM; while true; do sleep 1; done"],
        name=PREFIX + "talker", labels={"ck-test": "agents"}, detach=True,
    )  # fmt: skip
    wait_until(lambda: b"first-line" in talker.logs(), 10, "the talker's first line")
    status, logs = api.call("GET", f"/api/containers/{talker.id}/logs?host=edge-a&tail=10")
    assert status == 200, logs
    assert logs["lines"][0].endswith(" first-line")

    # A follow gets what the container prints after it began, and its end reaches the agent.
    others = set(stream_leases(redis))  # earlier tests' streams share this Redis

    def ours() -> set[bytes]:
        return set(stream_leases(redis)) - others

    def print_late():
        assert len(ours()) == 1  # the reader's lease, while it reads
        talker.exec_run(["sh", "-c", "echo late-line > /proc/1/fd/1"])

    path = f"/api/containers/{talker.id}/logs?host=edge-a&follow=true&tail=1"
    seen = follow_until(api, path, "late-line", print_late)
    assert seen[0].endswith(" first-line")
    wait_until(lambda: not ours(), 10, "the lease to go with its reader")
    wait_until(lambda: "stopped: its reader went away" in agent.output, 10, "the agent to stop")

    status, network = api.call("POST", "/api/networks?host=edge-a", {"name": PREFIX + "net"})
    assert status == 201, network
    listed = api.call("GET", "/api/networks?host=edge-a")[1]["networks"]
    assert network["id"] in {row["id"] for row in listed}
    assert engine.networks.get(network["id"]).name == PREFIX + "net"
    again = api.call("POST", "/api/networks?host=edge-a", {"name": PREFIX + "net"})
    assert again == (409, {"error": f"Network {PREFIX}net already exists"})
    status, volume = api.call("POST", "/api/volumes?host=edge-a", {"name": PREFIX + "vol"})
    assert status == 201, volume
    listed = api.call("GET", "/api/volumes?host=edge-a")[1]["volumes"]
    assert PREFIX + "vol" in {row["name"] for row in listed}

    status, rebuilt = api.call(
        "POST", f"/api/containers/{talker.id}/rebuild?host=edge-a", {"pull": False}
    )
    assert status == 200, rebuilt
    assert (rebuilt["previousId"], rebuilt["name"], rebuilt["pulled"]) == (
        talker.id, PREFIX + "talker", False
    )  # fmt: skip
    recreated = engine.containers.get(PREFIX + "talker")
    assert recreated.id == rebuilt["id"] != talker.id
    assert recreated.status == "running"

    # No registry answers: the agent's pull fails exactly as the local host's does.
    image = {"image": "127.0.0.1:1/ck/unreachable:1"}  # loopback: refused at once
    on_agent = api.call("POST", "/api/images/pull?host=edge-a", image)
    locally = api.call("POST", "/api/images/pull", image)
    assert on_agent == locally
    assert on_agent[0] == 502
    assert "Registry unreachable while pulling" in on_agent[1]["error"]

    # A registry on loopback (the private engines share this machine's network): the pull's
    # progress streams back through the agent and the image lands on that engine only.
    with Registry() as registry:
        name = f"ck/pulled-{uuid.uuid4().hex[:8]}"
        published = registry.publish_image(
            engine, test_image, name, "1", labels={"ck-test": "agents-pull"}
        )
        lines = ndjson_lines(api, "/api/images/pull?host=edge-a", {"image": published.reference})
    assert lines[0]["status"] == f"Pulling from {name}"
    assert f"Status: Downloaded newer image for {published.reference}" in {
        line.get("status") for line in lines
    }
    assert lines[-1] == {"done": True, "image": published.reference, "id": published.image_id}
    assert engine.api.inspect_image(published.reference)["Id"] == published.image_id
    for other in others:
        with pytest.raises(docker.errors.ImageNotFound):
            other.api.inspect_image(published.image_id)


def test_agents_end_to_end(tmp_path, redis_url, engines, docker_client, test_image):
    local_url = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    cockpit = ControlPlane(tmp_path, redis_url, local_url)
    agents: dict[str, Agent] = {}
    local_container = None
    try:
        local_container = run_container(docker_client, f"local-{tmp_path.name[-6:]}", test_image)
        (url_a, engine_a), (url_b, engine_b) = engines
        a1 = run_container(engine_a, "a1", test_image)
        slow = run_container(engine_a, "slow", test_image)
        b1 = run_container(engine_b, "b1", test_image)
        run_container(engine_b, "b2", test_image, start=False)

        # Enrollment: the admin adds two agent hosts; each agent exchanges its token once.
        for slug, url in (("edge-a", url_a), ("edge-b", url_b)):
            status, host = cockpit.api.call("POST", "/api/hosts", {"name": slug, "kind": "agent"})
            assert status == 201, host
            token = host["enrollment"]["token"]
            agents[slug] = Agent(tmp_path, slug, url, cockpit.api.base, token)
        wait_until(
            lambda: all(hosts_by_slug(cockpit)[s]["status"] == "online" for s in agents),
            90, "both agents online",
        )  # fmt: skip
        assert "ckagent_" not in agents["edge-a"].output  # the secret is never logged
        status, again = cockpit.api.call("POST", "/api/agents/enroll", {"token": token})
        assert (status, again) == (401, {"error": "Invalid or expired enrollment token"})

        # Listed per host, through each host's agent.
        for slug, expected in (("edge-a", {"a1", "slow"}), ("edge-b", {"b1", "b2"})):
            status, listing = cockpit.api.call("GET", f"/api/containers?host={slug}")
            assert status == 200, listing
            assert names(listing) == {PREFIX + name for name in expected}
        status, listing = cockpit.api.call("GET", "/api/containers")
        assert local_container.name in names(listing)

        # Acted on per host, with the local host's answers.
        ok = cockpit.api.call("POST", f"/api/containers/{b1.id}/stop?host=edge-b&t=1")
        assert ok == (200, {"ok": True})
        b1.reload()
        assert b1.status == "exited"
        assert cockpit.api.call("POST", f"/api/containers/{b1.id}/start?host=edge-b") == ok
        status, _ = cockpit.api.call("POST", f"/api/containers/{b1.id}/start?host=edge-b")
        assert status == 304
        missing_on_agent = cockpit.api.call("POST", "/api/containers/nosuchbox/start?host=edge-a")
        missing_locally = cockpit.api.call("POST", "/api/containers/nosuchbox/start")
        assert missing_on_agent == missing_locally
        assert missing_on_agent[0] == 404
        a1.reload()
        assert a1.status == "running"  # edge-b's actions never reached edge-a

        # Exec, images, volumes and the engine's own info go through each host's agent too.
        status, ran = cockpit.api.call(
            "POST", f"/api/containers/{b1.id}/exec?host=edge-b", {"command": "hostname"}
        )
        assert status == 200, ran
        assert ran["exitCode"] == 0
        status, images = cockpit.api.call("GET", "/api/images?host=edge-a")
        assert status == 200, images
        assert any(test_image in image["repoTags"] for image in images["images"])
        assert cockpit.api.call("GET", "/api/volumes?host=edge-a")[0] == 200
        data_roots = {  # engines on one machine share an ID; their data roots differ
            slug: cockpit.api.call("GET", f"/api/system/docker?host={slug}")[1]["info"][
                "DockerRootDir"
            ]
            for slug in ("edge-a", "edge-b")
        }
        assert data_roots["edge-a"] != data_roots["edge-b"]

        # The cross-host overview adds up (cached samples; beat samples every 15 s).
        def sampled_overview():
            _status, body = cockpit.api.call("GET", "/api/hosts/overview")
            fresh = [h for h in body["hosts"] if h["containers"] is not None and not h["stale"]]
            by_slug = {h["slug"]: h for h in fresh}
            ready = (
                len(fresh) == 3
                and by_slug.get("edge-b", {}).get("containers", {}).get("running") == 1
            )
            return body if ready else None

        overview = wait_until(sampled_overview, 60, "a sample of all three hosts", step=1)
        rows = {host["slug"]: host for host in overview["hosts"]}
        assert rows["edge-a"]["containers"] == {
            "total": 2, "running": 2, "stopped": 0, "unhealthy": 0
        }  # fmt: skip
        assert rows["edge-b"]["containers"] == {
            "total": 2, "running": 1, "stopped": 1, "unhealthy": 0
        }  # fmt: skip
        for figure in ("total", "running", "stopped", "unhealthy"):
            assert overview["totals"]["containers"][figure] == sum(
                row["containers"][figure] for row in rows.values()
            )
        assert overview["totals"]["hosts"] == 3
        status, fleet = cockpit.api.call("GET", "/api/hosts/containers")
        assert status == 200
        assert fleet["total"] == overview["totals"]["containers"]["total"]
        on_a = {c["name"] for c in fleet["containers"] if c["host"]["slug"] == "edge-a"}
        assert on_a == {PREFIX + "a1", PREFIX + "slow"}

        docker_operations_on_an_agent_host(
            cockpit, agents["edge-a"], engine_a, (engine_b, docker_client), redis_url, test_image
        )

        # An agent killed mid-action: the redelivered task sees the idempotency key and does
        # not act again; the caller hears that the action was interrupted.
        since = datetime.now(UTC)
        answer = {}

        def restart_slowly():
            answer["value"] = cockpit.api.call(
                "POST", f"/api/containers/{slow.id}/restart?host=edge-a&t=10", timeout=90
            )

        caller = threading.Thread(target=restart_slowly)
        caller.start()
        wait_until(
            lambda: any(
                event.get("Action") == "kill"
                for event in engine_a.api.events(
                    since=since, until=datetime.now(UTC), filters={"container": slow.id},
                    decode=True,
                )
            ),
            20, "the restart to begin on the engine",
        )  # fmt: skip
        agents["edge-a"].kill()
        agents["edge-a"].start()  # the same machine, credentials kept: no new token
        caller.join(timeout=90)
        status, body = answer["value"]
        assert status == 502, body
        assert "it was not repeated" in body["error"]
        assert "interrupted by an agent restart: not repeated" in agents["edge-a"].output

        def restarts():
            return [
                event
                for event in engine_a.api.events(
                    since=since, until=datetime.now(UTC), filters={"container": slow.id},
                    decode=True,
                )
                if event.get("Action") == "restart"
            ]  # fmt: skip

        wait_until(restarts, 20, "the engine to finish the first restart", step=1)
        time.sleep(3)
        assert len(restarts()) == 1  # the engine finished the first restart; nobody repeated it
        wait_until(
            lambda: hosts_by_slug(cockpit)["edge-a"]["status"] == "online", 30, "edge-a back"
        )

        # A stopped agent: its host turns offline within the heartbeat window, and calls to it
        # answer 504 at once.
        agents["edge-b"].stop()
        stopped_at = time.monotonic()
        wait_until(
            lambda: hosts_by_slug(cockpit)["edge-b"]["status"] == "offline", 20, "edge-b offline"
        )
        assert time.monotonic() - stopped_at <= 6 + 2 + 3  # window + one tick + slack
        started = time.monotonic()
        status, body = cockpit.api.call("POST", f"/api/containers/{b1.id}/stop?host=edge-b")
        assert (status, body) == (504, {"error": "Host edge-b did not answer within 6 s"})
        assert time.monotonic() - started < 2
        status, events = cockpit.api.call("GET", "/api/alerts/events")
        offline = [e for e in events["events"] if e["metric"] == "host_status"]
        assert offline
        assert offline[0]["host_name"] == "edge-b"
    finally:
        for agent in agents.values():
            agent.stop()
        cockpit.stop()
        if local_container is not None:
            local_container.remove(force=True)
