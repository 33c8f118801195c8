"""The stream on real daphne processes: the embedded default (no Redis, a publisher in another
process) and two web processes with Redis and a real Celery worker. Also `/metrics` in
prometheus_client's multiprocess mode across those two web processes."""

import json
import time
import urllib.request
import uuid
from datetime import timedelta

import pytest
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families

from tests.core.stream.helpers import HttpSseReader, token_for
from tests.core.stream.servers import (
    PYTHON,
    Process,
    Web,
    environment,
    migrate,
    publish_from_another_process,
)

pytestmark = pytest.mark.slow


def get_json(port: int, path: str, token: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def open_stream(web: Web, org_id: int, **kwargs) -> HttpSseReader:
    reader = HttpSseReader(
        web.port, "/api/stream", headers={"Authorization": f"Bearer {token_for(org_id, **kwargs)}"}
    )
    assert reader.status == 200
    return reader


def test_embedded_default_web_and_a_publisher_process(tmp_path):
    env = environment(tmp_path / "data", SSE_KEEPALIVE_SECONDS="1")
    migrate(env)
    web = Web(env, tmp_path / "web.log").wait()
    readers = []
    try:
        secret_token = token_for(1)
        by_query = HttpSseReader(web.port, f"/api/stream?token={secret_token}")
        other_org = open_stream(web, 2)
        readers = [by_query, other_org]
        assert by_query.headers["content-type"] == "text/event-stream"
        assert get_json(web.port, "/api/health", token_for(1))["sseClients"] == 2
        time.sleep(0.3)  # the hub binds its socket with the first stream

        publish_from_another_process(env, 1, "alert", {"from": "worker"})
        event = by_query.next_event()
        assert event["event"] == "alert"
        assert event["data"] == {"from": "worker"}
        assert int(event["id"]) > 0
        with pytest.raises(TimeoutError):
            other_org.next_event(timeout=2.5)  # keep-alives only

        # Requests that finish are in daphne's access log: never with their credentials.
        refused = HttpSseReader(web.port, "/api/stream?token=not-a-valid-secret-token")
        assert refused.status == 401
        refused.close()
        ending = HttpSseReader(
            web.port, f"/api/stream?token={token_for(1, lifetime=timedelta(seconds=2))}"
        )
        with pytest.raises(EOFError):
            ending.next_event(timeout=5)
        ending.close()
        time.sleep(0.5)
    finally:
        for reader in readers:
            reader.close()
        web.stop()
    log = web.output
    assert "GET /api/stream?token=[redacted]" in log
    assert "not-a-valid-secret-token" not in log
    assert secret_token not in log


@pytest.mark.redis
def test_two_web_processes_with_redis_and_a_celery_worker(tmp_path, redis_url):
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    env = environment(
        tmp_path / "data", REDIS_URL=redis_url, PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir)
    )
    migrate(env)
    queue = f"stream-test-{uuid.uuid4().hex[:8]}"
    worker = Process(
        [PYTHON, "-m", "celery", "-A", "tests.core.stream.celery_publisher", "worker",
         "--pool", "solo", "-Q", queue, "-l", "warning", "--without-gossip", "--without-mingle",
         "-n", f"{queue}@%h"],
        env, tmp_path / "worker.log",
    )  # fmt: skip
    webs = [Web(env, tmp_path / f"web{n}.log") for n in (1, 2)]
    readers = []
    try:
        for web in webs:
            web.wait()
        org_a, org_b = 501, 502
        on_first, on_second = open_stream(webs[0], org_a), open_stream(webs[1], org_a)
        outsider = open_stream(webs[0], org_b)
        readers = [on_first, on_second, outsider]
        time.sleep(0.5)  # both hubs subscribe with their first stream

        sender = Celery(broker=redis_url)
        sender.send_task("tests.stream.publish", args=[org_a, "alert", {"n": 1}], queue=queue)
        first, second = on_first.next_event(timeout=60), on_second.next_event(timeout=10)
        assert first["data"] == second["data"] == {"n": 1}
        assert first["id"] == second["id"]  # one id, assigned once in Redis
        with pytest.raises(TimeoutError):
            outsider.next_event(timeout=2)

        # Replay after reconnecting to the other process, from Redis.
        on_first.close()
        sender.send_task("tests.stream.publish", args=[org_a, "alert", {"n": 2}], queue=queue)
        assert on_second.next_event(timeout=30)["data"] == {"n": 2}
        again = HttpSseReader(
            webs[1].port, "/api/stream",
            headers={"Authorization": f"Bearer {token_for(org_a)}", "Last-Event-ID": first["id"]},
        )  # fmt: skip
        readers.append(again)
        assert again.next_event()["data"] == {"n": 2}

        # /metrics in multiprocess mode counts the requests of both web processes.
        for web in webs:
            for _ in range(3):
                urllib.request.urlopen(f"http://127.0.0.1:{web.port}/", timeout=10).read()
        with urllib.request.urlopen(f"http://127.0.0.1:{webs[0].port}/metrics", timeout=10) as r:
            families = {f.name: f for f in text_string_to_metric_families(r.read().decode())}
        assert "cockpit_cpu_percent" in families  # our families survive multiprocess mode
        requests = families["django_http_requests_total_by_method"]
        pids = {s.labels.get("pid") for s in requests.samples if s.labels.get("method") == "GET"}
        total = sum(s.value for s in requests.samples if s.labels.get("method") == "GET")
        assert total >= 6
        assert pids == {None}  # aggregated, not one series per process
    finally:
        for reader in readers:
            reader.close()
        for process in [*webs, worker]:
            process.stop()
