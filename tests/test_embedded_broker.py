"""The embedded broker (cockpit/broker.py) under several processes at once: processes that
bind their queues while others publish and consume. kombu's own filesystem transport let a
reader see a file created but not yet written (an empty exchange table or message): a
JSONDecodeError that killed `make run`'s worker under the soak's load. Every message must
arrive exactly once and no process may fail."""

import multiprocessing
import os
import queue as queue_errors
import time
import uuid

import pytest
from kombu import Connection

import cockpit.broker  # noqa: F401 (the cockpitfs:// transport)

PRODUCERS, CONSUMERS, PER_PRODUCER = 4, 2, 150
URL = "cockpitfs://"


def options(folder: str) -> dict:
    return {
        "data_folder_in": os.path.join(folder, "queue"),
        "data_folder_out": os.path.join(folder, "queue"),
        "control_folder": os.path.join(folder, "control"),
        "store_processed": False,
    }


def produce(url: str, folder: str, number: int, errors) -> None:
    try:
        for batch in range(PER_PRODUCER // 10):
            # A new connection and queue declaration each time: binding races publishing.
            with Connection(url, transport_options=options(folder)) as connection:
                queue = connection.SimpleQueue(f"q{batch % 3}")
                for i in range(10):
                    queue.put({"id": f"{number}-{batch * 10 + i}", "pad": "x" * 4000})
                queue.close()
    except Exception as exc:
        errors.put(f"producer {number}: {exc!r}")


def consume(url: str, folder: str, seen, errors, stop) -> None:
    try:
        with Connection(url, transport_options=options(folder)) as connection:
            queues = [connection.SimpleQueue(f"q{n}") for n in range(3)]
            while not stop.is_set():
                for queue in queues:
                    try:
                        message = queue.get(timeout=0.01)
                    except queue_errors.Empty:
                        continue
                    seen.put(message.payload["id"])
                    message.ack()
    except Exception as exc:
        errors.put(f"consumer: {exc!r}")


def run(url: str, folder: str) -> tuple[list[str], list[str]]:
    context = multiprocessing.get_context("fork")
    seen, errors, stop = context.Queue(), context.Queue(), context.Event()
    os.makedirs(os.path.join(folder, "queue"), exist_ok=True)
    consumers = [
        context.Process(target=consume, args=(url, folder, seen, errors, stop))
        for _ in range(CONSUMERS)
    ]
    producers = [
        context.Process(target=produce, args=(url, folder, n, errors)) for n in range(PRODUCERS)
    ]
    for process in consumers + producers:
        process.start()
    received: list[str] = []
    deadline = time.monotonic() + 60
    while len(received) < PRODUCERS * PER_PRODUCER and time.monotonic() < deadline:
        try:
            received.append(seen.get(timeout=0.5))
        except queue_errors.Empty:
            if not any(p.is_alive() for p in consumers):
                break
    stop.set()
    for process in consumers + producers:
        process.join(10)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    return received, failures


def test_many_processes_lose_nothing_and_deliver_once(tmp_path):
    received, failures = run(URL, str(tmp_path))
    assert failures == []
    assert len(received) == PRODUCERS * PER_PRODUCER
    assert len(set(received)) == len(received)  # none twice


TABLES = 150


def bind_and_publish(url: str, folder: str, errors, start) -> None:
    """Declare queue t<k> (creating exchange table t<k>) and publish to it, for every k, at
    the same moment as the other processes doing the same."""
    start.wait()
    try:
        with Connection(url, transport_options=options(folder)) as connection:
            for k in range(TABLES):
                queue = connection.SimpleQueue(f"t{k}")
                queue.put({"table": k})
    except Exception as exc:
        errors.put(repr(exc))


def test_processes_creating_the_same_exchange_tables_at_once_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    errors, start = context.Queue(), context.Event()
    folder = str(tmp_path)
    os.makedirs(os.path.join(folder, "queue"))
    processes = [
        context.Process(target=bind_and_publish, args=(URL, folder, errors, start))
        for _ in range(PRODUCERS)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(60)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    messages = [n for n in os.listdir(os.path.join(folder, "queue")) if n.endswith(".msg")]
    assert len(messages) == PRODUCERS * TABLES  # none dropped for want of its binding


@pytest.mark.parametrize("payload", [b"", b'{"half": '])
def test_a_file_being_written_is_never_a_message(tmp_path, payload):
    """What kombu's transport exposed: a message file that exists before its bytes do. Ours
    writes under a name no reader matches, then renames it into place."""
    folder = tmp_path / "queue"
    folder.mkdir()
    # A queue of its own: kombu remembers bindings per process, not per folder.
    name = f"q-{uuid.uuid4().hex[:8]}"
    (folder / f".1_x.{name}.msg.{os.getpid()}.tmp").write_bytes(payload)  # a write in progress
    with Connection(URL, transport_options=options(str(tmp_path))) as connection:
        queue = connection.SimpleQueue(name)
        with pytest.raises(queue_errors.Empty):
            queue.get(timeout=0.05)
        queue.put({"id": "whole"})
        assert queue.get(timeout=1).payload == {"id": "whole"}
