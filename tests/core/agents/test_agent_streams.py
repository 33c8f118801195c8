"""Shipping calls with dataclass arguments, and streamed host calls on agent hosts.

The stream tests use a real Redis as the broker's Redis and run the agent's side for real
(core.agents.streamed_calls.execute, as the task `core.agents.stream` would) in a thread of this
process; only the hop through the broker's queue is skipped — the request still goes through
JSON. test_agents_end_to_end.py covers the same calls through real agent processes."""

import json
import threading
import time
import uuid
from dataclasses import dataclass

import pytest
from celery import current_app
from django.utils import timezone

from core.agents import stream_protocol, streamed_calls, streams, wire
from core.agents.errors import AgentCallFailed, HostDidNotAnswer
from core.agents.local import Credentials
from core.docker.errors import DockerConflict
from core.docker.host_calls import CALLS, HostCall, run_on_host, stream_on_host
from core.docker.image_reference import ImageReference, parse_reference
from core.docker.logs import LogQuery
from core.docker.networks import NetworkSpec
from core.docker.volumes import VolumeSpec
from core.hosts.models import DockerHost, HostKind, HostStatus

# --- arguments on the wire --------------------------------------------------------------------


def test_dataclass_arguments_travel_as_json_and_come_back_equal():
    spec = NetworkSpec(name="n1", labels={"a": "b"}, subnet="10.9.0.0/24")
    args = ("abc", LogQuery(tail=5, since=1.5), [ImageReference("busybox", "1")])
    kwargs = {"spec": spec, "volume": VolumeSpec(name="v"), "force": True}
    wired = json.loads(json.dumps(wire.encode_call(args, kwargs)))
    assert wired[0][1] == {
        "__dataclass__": "logs.LogQuery",
        "fields": {"tail": 5, "since": 1.5, "stdout": True, "stderr": True},
    }
    decoded_args, decoded_kwargs = wire.decode_call(*wired)
    assert decoded_args == [*args[:2], [ImageReference("busybox", "1")]]
    assert decoded_kwargs == kwargs


def test_plain_data_that_looks_like_a_marker_stays_data():
    labels = {"__dataclass__": "os.system", "fields": {"command": "true"}}
    wired = json.loads(json.dumps(wire.encode(NetworkSpec(name="n", labels=labels))))
    assert wire.decode(wired).labels == labels


@dataclass(frozen=True)
class NotShippable:
    value: str = "x"


@pytest.mark.parametrize(
    "value",
    [NotShippable(), object(), {1: "x"}, {"a": {1, 2}}, Credentials(1, "a", "q", "c", "b", "s", 1)],
)
def test_unknown_types_are_refused_on_the_way_out(value):
    with pytest.raises(wire.UnshippableValue):
        wire.encode(value)


@pytest.mark.parametrize(
    "wired",
    [
        {"__dataclass__": "os.system", "fields": {}},
        {"__dataclass__": "core.docker.networks.NetworkSpec", "fields": {"name": "n"}},
        {"__dataclass__": "networks.NetworkSpec", "fields": {"name": "n", "evil": 1}},
        {"__dataclass__": "networks.NetworkSpec", "fields": {}},  # a required field is missing
        {"__dataclass__": "networks.NetworkSpec", "fields": {"name": "n"}, "more": 1},
        {"__dataclass__": "networks.NetworkSpec", "fields": "name"},
    ],
)
def test_the_agent_builds_only_allow_listed_classes_with_their_fields(wired):
    with pytest.raises(wire.UnshippableValue):
        wire.decode(wired)


def test_a_call_with_an_unknown_type_is_refused_by_the_agent():
    from core.agents import calls

    outcome = calls.execute(
        {
            "call": "networks.create",
            "args": [{"__dataclass__": "subprocess.Popen", "fields": {"args": "true"}}],
            "kwargs": {},
            "key": uuid.uuid4().hex,
            "mutating": True,
            "deadline": time.time() + 30,
        }
    )
    assert outcome["status"] == 400
    assert outcome["kind"] == "UnshippableValue"


def test_streamed_and_plain_calls_are_not_mixed_up():
    with pytest.raises(ValueError, match="not a streamed host call"):
        stream_on_host(DockerHost(kind=HostKind.LOCAL), "containers.list")
    with pytest.raises(ValueError, match="not a host call"):
        run_on_host(DockerHost(kind=HostKind.LOCAL), "images.pull")


# --- streamed calls through a real Redis ------------------------------------------------------

CLOSED: list[str] = []


def count_to(host, n: int, tick: bool = False):
    for i in range(n):
        if tick:
            yield None
        yield {"n": i}


def fail_after(host, n: int):
    yield from count_to(host, n)
    raise DockerConflict(f"conflict after {n}")


def not_json(host):
    yield {"n": 0}
    yield {"set": {1, 2}}


def forever(host, marker: str):
    try:
        while True:
            time.sleep(0.1)
            yield None
    finally:
        CLOSED.append(marker)


@pytest.fixture
def broker(redis_url, monkeypatch):
    """The broker's Redis is a real one; `send_task` hands the request (through JSON) to the
    agent's side in a thread, as the agent's worker would."""
    monkeypatch.setattr(current_app.conf, "broker_url", redis_url)
    stream_protocol._client.cache_clear()
    runs: dict[str, dict] = {}

    def send_task(name, args, queue, task_id, **options):
        assert (name, queue) == (streams.STREAM_TASK, "host.7.streams")
        request = json.loads(json.dumps(args[0]))
        run = {"request": request}
        runs[task_id] = run

        def agent():
            run["ended"] = streamed_calls.execute(request)

        run["thread"] = threading.Thread(target=agent, daemon=True)
        run["thread"].start()

    monkeypatch.setattr(streams.current_app, "send_task", send_task)
    targets = (count_to, fail_after, forever, not_json)
    for name, target in zip(("t.count", "t.fail", "t.forever", "t.odd"), targets, strict=True):
        path = f"{__name__}.{target.__name__}"
        monkeypatch.setitem(CALLS, name, HostCall(path, False, streaming=True))
    yield runs
    for run in runs.values():
        run["thread"].join(timeout=10)
    stream_protocol._client.cache_clear()


@pytest.fixture
def edge():
    return DockerHost(
        pk=7, name="edge", slug="edge", kind=HostKind.AGENT, status=HostStatus.ONLINE,
        last_seen_at=timezone.now(),
    )  # fmt: skip


def only_run(runs) -> dict:
    (run,) = runs.values()
    run["thread"].join(timeout=10)
    return run


def keys_of(redis, key: str) -> dict:
    return {
        "list": redis.exists(stream_protocol.list_key(key)),
        "lease": redis.exists(stream_protocol.lease_key(key)),
    }


@pytest.mark.redis
def test_items_arrive_in_order_and_the_stream_ends(broker, edge):
    stream = stream_on_host(edge, "t.count", 50)
    assert list(stream) == [{"n": i} for i in range(50)]
    run = only_run(broker)
    assert run["ended"] == "end"
    assert keys_of(stream_protocol.broker_redis(), stream.key) == {"list": 0, "lease": 0}


@pytest.mark.redis
def test_ticks_come_through_as_none(broker, edge):
    assert list(stream_on_host(edge, "t.count", 2, tick=True)) == [None, {"n": 0}, None, {"n": 1}]


@pytest.mark.redis
def test_an_error_in_the_stream_is_the_local_error(broker, edge):
    stream = stream_on_host(edge, "t.fail", 3)
    received = []

    def read_all():
        received.extend(stream)

    with pytest.raises(DockerConflict) as error:
        read_all()
    assert received == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert str(error.value.detail) == "conflict after 3"
    assert only_run(broker)["ended"] == "error"


@pytest.mark.redis
def test_an_item_that_is_not_json_ends_the_stream_with_an_error(broker, edge):
    stream = stream_on_host(edge, "t.odd")
    assert next(stream) == {"n": 0}
    with pytest.raises(AgentCallFailed, match="not JSON") as error:
        next(stream)
    assert error.value.status_code == 502
    assert only_run(broker)["ended"] == "error"


@pytest.mark.redis
def test_closing_the_reader_stops_the_agent_side(broker, edge):
    marker = uuid.uuid4().hex
    stream = stream_on_host(edge, "t.forever", marker)
    assert next(stream) is None
    started = time.monotonic()
    stream.close()
    run = only_run(broker)
    assert run["ended"] == "reader gone"
    assert marker in CLOSED  # the generator was closed, releasing what it held
    assert time.monotonic() - started < 5
    assert list(stream) == []
    assert not stream_protocol.broker_redis().exists(stream_protocol.lease_key(stream.key))


@pytest.mark.redis
def test_a_reader_that_died_lets_its_lease_lapse_and_the_agent_stops(broker, edge, monkeypatch):
    monkeypatch.setattr(stream_protocol, "LEASE_SECONDS", 1)
    marker = uuid.uuid4().hex
    stream = stream_on_host(edge, "t.forever", marker)
    assert next(stream) is None  # ... and then pauses for longer than its lease
    run = only_run(broker)
    assert run["ended"] == "reader gone"
    assert marker in CLOSED
    with pytest.raises(AgentCallFailed, match="did not renew its lease within 1 s") as error:
        list(stream)  # the ticks sent before the agent stopped, then why it stopped
    assert error.value.status_code == 504


@pytest.mark.redis
def test_streams_end_and_tell_their_readers_when_the_agent_stops(broker, edge, monkeypatch):
    monkeypatch.setattr(streamed_calls, "SHUTTING_DOWN", threading.Event())
    markers = [uuid.uuid4().hex for _ in range(3)]
    readers = [stream_on_host(edge, "t.forever", marker) for marker in markers]
    for reader in readers:
        assert next(reader) is None  # all three run at once, each in its own thread
    streamed_calls.SHUTTING_DOWN.set()  # the worker's warm shutdown began
    for run in broker.values():
        run["thread"].join(timeout=10)
        assert run["ended"] == "agent stopping"
    assert set(markers) <= set(CLOSED)
    for reader in readers:
        with pytest.raises(AgentCallFailed, match="The agent of host edge is stopping") as error:
            list(reader)
        assert error.value.status_code == 503


@pytest.mark.redis
def test_a_redelivered_stream_is_not_run_twice(broker, edge):
    stream = stream_on_host(edge, "t.count", 3)
    assert next(stream) == {"n": 0}
    run = only_run(broker)
    # A redelivery to the same agent (visibility timeout) does nothing ...
    assert streamed_calls.execute(run["request"]) == "already running"
    assert list(stream) == [{"n": 1}, {"n": 2}]
    # ... and one to a restarted agent does not act again: it says so.
    redis = stream_protocol.broker_redis()
    redis.set(stream_protocol.claim_key(run["request"]["key"]), "a-previous-boot")
    again = stream_on_host(edge, "t.count", 3)
    run_again = broker[again.key]
    run_again["thread"].join(timeout=10)
    redis.set(stream_protocol.claim_key(again.key), "a-previous-boot")
    redis.delete(stream_protocol.list_key(again.key))
    redis.set(stream_protocol.lease_key(again.key), "1", ex=30)
    assert streamed_calls.execute(run_again["request"]) == "interrupted"
    fresh = streams.HostStream(edge, again.key, 5)
    with pytest.raises(AgentCallFailed, match="it was not repeated"):
        list(fresh)


@pytest.mark.redis
def test_a_stream_nobody_reads_any_more_is_never_started(broker, edge):
    request = {"call": "t.count", "args": [3], "kwargs": {}, "key": uuid.uuid4().hex,
               "deadline": time.time() + 30, "hostName": "edge"}  # fmt: skip
    assert streamed_calls.execute(request) == "reader gone"  # no lease: the caller is gone


@pytest.mark.redis
def test_an_unknown_streamed_call_is_refused(broker, edge):
    key = uuid.uuid4().hex
    stream_protocol.broker_redis().set(stream_protocol.lease_key(key), "1", ex=30)
    for call in ("os.system", "containers.list"):  # not allow-listed; not a streamed call
        request = {"call": call, "args": ["true"], "key": key, "deadline": time.time() + 30}
        stream_protocol.broker_redis().delete(stream_protocol.claim_key(key))
        assert streamed_calls.execute(request) == "error"
        with pytest.raises(AgentCallFailed, match="Unknown host call") as error:
            list(streams.HostStream(edge, key, 5))
        assert error.value.status_code == 400
        stream_protocol.broker_redis().set(stream_protocol.lease_key(key), "1", ex=30)
    stream_protocol.broker_redis().delete(stream_protocol.lease_key(key))  # no reader is left


def test_an_offline_host_answers_504_at_once(edge, monkeypatch):
    edge.status = HostStatus.OFFLINE
    monkeypatch.setattr(streams.current_app, "send_task", lambda *a, **k: pytest.fail("sent"))
    started = time.monotonic()
    with pytest.raises(HostDidNotAnswer) as error:
        stream_on_host(edge, "images.pull", parse_reference("busybox:1"))
    assert error.value.status_code == 504
    assert time.monotonic() - started < 1


@pytest.mark.redis
def test_a_silent_agent_is_a_504(redis_url, monkeypatch, edge):
    monkeypatch.setattr(current_app.conf, "broker_url", redis_url)
    stream_protocol._client.cache_clear()
    monkeypatch.setattr(streams.current_app, "send_task", lambda *a, **k: None)  # never runs
    monkeypatch.setitem(CALLS, "t.quiet", HostCall("x.y", False, lambda a, k: 1.0, True))
    stream = stream_on_host(edge, "t.quiet")
    with pytest.raises(HostDidNotAnswer, match="did not answer within 1 s"):
        next(stream)
    assert stream.closed
    stream_protocol._client.cache_clear()


# --- the streamed Docker calls, the agent's side run for real against the engine -------------


@pytest.fixture
def talker(docker_client, test_image):
    container = docker_client.containers.run(
        test_image, ["sh", "-c", "echo first; trap 'exit 0' TERM; while true; do sleep 1; done"],
        name=f"ckt-agstream-{uuid.uuid4().hex[:10]}", labels={"ck-test": "agent-streams"},
        detach=True,
    )  # fmt: skip
    yield container
    container.remove(force=True)


@pytest.mark.docker
@pytest.mark.redis
def test_a_follow_on_an_agent_host_gets_new_lines_and_stops_with_its_reader(broker, edge, talker):
    from core.docker.logs import END, LogFollower

    follower = LogFollower(edge, talker.id, LogQuery(tail=10), 60)
    try:
        assert next_text(follower).endswith(" first")
        talker.exec_run(["sh", "-c", "echo late-line > /proc/1/fd/1"])
        assert next_text(follower).endswith(" late-line")
    finally:
        follower.close()
    run = only_run(broker)
    assert run["ended"] == "reader gone"
    assert not follower.reader_alive
    assert follower.next_line(0) in (END, None)


def next_text(follower, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = follower.next_line(0.5)
        if isinstance(line, str):
            return line
    raise AssertionError("no line")


@pytest.mark.docker
@pytest.mark.redis
def test_following_an_unknown_container_on_an_agent_host_is_the_local_404(broker, edge):
    from core.docker.errors import DockerNotFound
    from core.docker.logs import LogFollower

    local = DockerHost(name="edge", kind=HostKind.LOCAL, base_url=_docker_host())
    with pytest.raises(DockerNotFound) as here:
        LogFollower(local, "ck-no-such-box", LogQuery(), 10)
    with pytest.raises(DockerNotFound) as shipped:
        LogFollower(edge, "ck-no-such-box", LogQuery(), 10)
    assert str(shipped.value.detail) == str(here.value.detail)


def _docker_host() -> str:
    from django.conf import settings

    return settings.DOCKER_HOST


@pytest.mark.docker
@pytest.mark.redis
def test_a_pull_no_registry_answers_fails_on_an_agent_host_as_it_does_locally(broker, edge):
    from core.docker import images

    reference = parse_reference("127.0.0.1:1/ck/unreachable:1")  # loopback: refused at once
    local = DockerHost(name="edge", kind=HostKind.LOCAL, base_url=_docker_host())
    with pytest.raises(images.DockerAPIError) as here:
        list(images.pull_image(local, reference))
    with pytest.raises(images.DockerAPIError) as shipped:
        list(images.pull_image(edge, reference))
    assert (shipped.value.status_code, str(shipped.value.detail)) == (
        here.value.status_code, str(here.value.detail)
    )  # fmt: skip
    assert here.value.status_code == 502
    assert "Registry unreachable while pulling" in str(here.value.detail)
