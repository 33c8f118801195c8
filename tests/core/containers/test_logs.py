"""Logs, followed logs and log search against the real engine."""

import asyncio
import contextlib
import re
import threading
import time

import pytest

from core.accounts.models import Role
from core.containers import streaming
from core.docker.logs import LogFollower, LogQuery
from tests.connections import close_response
from tests.core.containers.conftest import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ")
PRINTER = (
    "for i in $(seq 1 5); do echo out-$i; echo err-$i >&2; done; "
    "printf 'trailing   \\n\\n\\n   \\nlast\\r\\n'; "
    "trap 'exit 0' TERM; while true; do sleep 1; done"
)


def _lines(client, container, query=""):
    response = client.get(f"/api/containers/{container.id}/logs{query}")
    assert response.status_code == 200, response.content
    return response.json()["lines"]


def _texts(lines):
    return [STAMP.sub("", line) for line in lines]


@pytest.fixture
def printer(make):
    container = make(["sh", "-c", PRINTER])
    wait_for(lambda: b"last" in container.logs())
    return container


@pytest.fixture
def tty_printer(make):
    container = make(["sh", "-c", PRINTER], tty=True)
    wait_for(lambda: b"last" in container.logs())
    return container


def test_logs_are_decoded_timestamped_trimmed_without_empty_lines(as_role, printer):
    lines = _lines(as_role(Role.VIEWER), printer)
    assert all(STAMP.match(line) for line in lines)
    texts = _texts(lines)
    assert sorted(texts) == sorted(
        [f"out-{i}" for i in range(1, 6)] + [f"err-{i}" for i in range(1, 6)] + ["trailing", "last"]
    )
    assert texts.index("out-1") < texts.index("out-5")


def test_tty_logs_are_not_mangled(admin, tty_printer):
    texts = _texts(_lines(admin, tty_printer))
    assert texts[:2] == ["out-1", "err-1"]
    assert texts[-2:] == ["trailing", "last"]
    assert len(texts) == 12
    assert not any("\r" in text or "\x00" in text for text in texts)


def test_stdout_and_stderr_can_be_left_out(admin, printer):
    assert set(_texts(_lines(admin, printer, "?stderr=false"))) == {
        *(f"out-{i}" for i in range(1, 6)), "trailing", "last"
    }  # fmt: skip
    assert set(_texts(_lines(admin, printer, "?stdout=false"))) == {f"err-{i}" for i in range(1, 6)}
    response = admin.get(f"/api/containers/{printer.id}/logs?stdout=false&stderr=false")
    assert response.status_code == 400


def test_tail_is_clamped_and_validated(admin, printer, make):
    stdout_only = make(["sh", "-c", "printf 'a\\nb\\n\\n\\n   \\nlast\\r\\n'; sleep 3600"])
    wait_for(lambda: b"last" in stdout_only.logs())
    # the engine counts the blank lines it holds, then they are dropped
    assert _texts(_lines(admin, stdout_only, "?tail=5")) == ["b", "last"]
    assert _texts(_lines(admin, stdout_only, "?tail=0")) == ["last"]  # clamped up to 1
    assert len(_lines(admin, printer, "?tail=999999")) == 12  # clamped down to 1000
    for garbage in ("NaN", "abc", "1.5", "1e3"):
        response = admin.get(f"/api/containers/{printer.id}/logs?tail={garbage}")
        assert response.status_code == 400, garbage
        assert response.json() == {"error": "tail must be an integer between 1 and 1000"}
    response = admin.get(f"/api/containers/{printer.id}/logs?tail=1&tail=2")
    assert response.json() == {"error": "tail must be a single string"}


def test_default_tail_is_100(admin, make):
    container = make(["sh", "-c", "seq 1 150; trap 'exit 0' TERM; while true; do sleep 1; done"])
    wait_for(lambda: b"150" in container.logs())
    texts = _texts(_lines(admin, container))
    assert texts == [str(i) for i in range(51, 151)]


def test_since_accepts_timestamps_and_durations(admin, printer):
    assert len(_lines(admin, printer, f"?since={int(time.time()) + 60}")) == 0
    assert len(_lines(admin, printer, "?since=1")) == 12
    assert len(_lines(admin, printer, "?since=1h")) == 12
    assert len(_lines(admin, printer, "?since=2000-01-01T00:00:00Z")) == 12
    response = admin.get(f"/api/containers/{printer.id}/logs?since=yesterday")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid since value")


def _read_events(response, want: str, timeout: float = 20.0) -> list[bytes]:
    """Chunks of a streaming response until one contains `want` (in a helper thread, so a
    broken stream fails the test instead of hanging it)."""
    seen: list[bytes] = []
    done = threading.Event()

    def pump():
        for chunk in response.streaming_content:
            seen.append(chunk)
            if want.encode() in chunk:
                break
        done.set()

    threading.Thread(target=pump, daemon=True).start()
    assert done.wait(timeout), seen
    return seen


def test_follow_streams_lines_written_after_the_request(admin, make):
    container = make(["sh", "-c", "echo before; trap 'exit 0' TERM; while true; do sleep 1; done"])
    wait_for(lambda: b"before" in container.logs())
    response = admin.get(f"/api/containers/{container.id}/logs?follow=true&tail=5")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert streaming.open_streams() == 1
    container.exec_run(["sh", "-c", "echo written-later > /proc/1/fd/1"])
    chunks = _read_events(response, "written-later")
    body = b"".join(chunks).decode()
    assert "data: " in body
    assert body.index("before") < body.index("written-later")
    close_response(response)
    assert streaming.open_streams() == 0
    threads = [t for t in threading.enumerate() if t.name == "log-follow"]
    assert not any(t.is_alive() for t in threads)


def test_follow_ends_when_the_container_stops(admin, make):
    container = make(["sh", "-c", "echo one; sleep 2; echo two"])
    response = admin.get(f"/api/containers/{container.id}/logs?follow=true")
    body = b"".join(_read_events(response, "event: end")).decode()
    assert "one" in body
    assert "two" in body
    assert '"reason": "container stopped"' in body
    close_response(response)
    assert streaming.open_streams() == 0


def test_follow_is_bounded_in_time_and_in_streams(admin, running, settings):
    settings.LOG_FOLLOW_MAX_SECONDS = 1
    response = admin.get(f"/api/containers/{running.id}/logs?follow=true")
    started = time.monotonic()
    body = b"".join(_read_events(response, "event: end")).decode()
    assert time.monotonic() - started < 10
    assert "time limit reached" in body
    close_response(response)

    settings.LOG_FOLLOW_MAX_STREAMS = 1
    settings.LOG_FOLLOW_MAX_SECONDS = 60
    first = admin.get(f"/api/containers/{running.id}/logs?follow=true")
    second = admin.get(f"/api/containers/{running.id}/logs?follow=true")
    assert second.status_code == 429
    assert second.json() == {"error": "Too many log streams open; try again later"}
    close_response(first)
    assert streaming.open_streams() == 0


def test_follow_of_an_unknown_container_is_a_json_404(admin):
    response = admin.get("/api/containers/ckt-ctr-nothing-here/logs?follow=true")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
    assert streaming.open_streams() == 0


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def story(make):
    text = "alpha\\nBeta ERROR one\\ngamma\\ndelta\\nepsilon error two\\nzeta\\neta\\ntheta"
    container = make(["sh", "-c", f"printf '{text}\\n'; trap 'exit 0' TERM; sleep 3600 & wait"])
    wait_for(lambda: b"theta" in container.logs())
    return container


def _search(client, container, query):
    return client.get(f"/api/containers/{container.id}/logs/search?{query}")


def test_plain_search_is_case_insensitive_with_context(as_role, story):
    response = _search(as_role(Role.VIEWER), story, "q=error")
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "error"
    assert body["totalLines"] == 8
    assert [m["lineNumber"] for m in body["matches"]] == [1, 4]
    first = body["matches"][0]
    assert first["line"].endswith("Beta ERROR one")
    assert _texts(first["context"]) == ["alpha", "Beta ERROR one", "gamma", "delta"]
    assert _texts(body["matches"][1]["context"]) == [
        "gamma", "delta", "epsilon error two", "zeta", "eta",
    ]  # fmt: skip


def test_context_zero_is_honoured_and_large_context_clamped(admin, story):
    body = _search(admin, story, "q=gamma&context=0").json()
    assert _texts(body["matches"][0]["context"]) == ["gamma"]
    body = _search(admin, story, "q=zeta&context=99").json()
    assert len(body["matches"][0]["context"]) == 8  # 5 before (capped), the line, 2 after
    response = _search(admin, story, "q=zeta&context=lots")
    assert response.status_code == 400


def test_regex_search_is_case_insensitive(admin, story):
    body = _search(admin, story, "q=^(beta|epsilon)%20error&regex=true").json()
    assert [m["lineNumber"] for m in body["matches"]] == [1, 4]
    assert _search(admin, story, "q=^beta&regex=false").json()["matches"] == []


def test_the_timestamp_is_not_searched(admin, story):
    assert _search(admin, story, "q=:").json()["matches"] == []
    assert _search(admin, story, "q=^alpha$&regex=true").json()["matches"][0]["lineNumber"] == 0


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("q=a&q=b", "q must be a single string"),
        ("q=a&regex=true&regex=false", "regex must be a single string"),
        ("q=a&context=1&context=2", "context must be a single string"),
        ("", "q (search query) required"),
        ("q=", "q (search query) required"),
        ("q=" + "x" * 1001, "Query too long (max 1000 chars)"),
        ("q=" + "x" * 201 + "&regex=true", "Regex pattern too long (max 200 chars)"),
        ("q=(a%2B)%2Bb&regex=true", "Potentially unsafe regex pattern"),
        ("q=(a|aa)*b&regex=true", "Potentially unsafe regex pattern"),
        ("q=(ab){2,}&regex=true", "Potentially unsafe regex pattern"),
        ("q=(a)\\1&regex=true", "Potentially unsafe regex pattern"),
        ("q=[unclosed&regex=true", "Invalid regex pattern"),
        ("q=(%3F%3Dlookahead)&regex=true", "Invalid regex pattern"),
    ],
)
def test_search_errors(admin, story, query, error):
    response = _search(admin, story, query)
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_a_catastrophic_pattern_returns_quickly(admin, make):
    # Polynomial backtracking for a backtracking engine, linear for RE2.
    container = make(
        ["sh", "-c", "for i in $(seq 1 1000); do echo " + "a" * 60 + "; done; sleep 3600"]
    )
    wait_for(lambda: container.logs().count(b"\n") >= 1000)
    pattern = "a*" * 20 + "c"
    started = time.monotonic()
    response = _search(admin, container, f"q={pattern}&regex=true")
    assert response.status_code == 200
    assert response.json()["totalLines"] == 1000
    assert response.json()["matches"] == []
    assert time.monotonic() - started < 5


def test_the_async_stream_used_under_daphne(host, make):
    container = make(["sh", "-c", "echo hello; sleep 1; echo bye"])
    closed = []
    follower = LogFollower(host, container.id, LogQuery(), 30, on_close=lambda: closed.append(1))

    async def collect():
        return [chunk async for chunk in streaming._AsyncEvents(follower)]

    body = b"".join(asyncio.run(collect())).decode()
    assert "hello" in body
    assert "bye" in body
    assert "event: end" in body
    assert closed == [1]


def test_a_departed_async_client_ends_the_engine_stream(host, make):
    ticker = make(["sh", "-c", "trap 'exit 0' TERM; while true; do echo tick; sleep 1; done"])
    follower = LogFollower(host, ticker.id, LogQuery(), 30)

    async def first_chunk_then_leave():
        async with contextlib.aclosing(aiter(streaming._AsyncEvents(follower))) as events:
            return await asyncio.wait_for(anext(events), 20)

    assert asyncio.run(first_chunk_then_leave()).startswith(b"data: ")
    wait_for(lambda: not follower.reader_alive, timeout=10)
