"""The agent's two Celery workers, run by `manage.py agent` as one agent:

- `calls` (prefork, `--concurrency AGENT_CONCURRENCY`) on `host.<id>`: plain calls, samples
  and the heartbeat;
- `streams` (a thread pool, `--concurrency AGENT_STREAM_CONCURRENCY`) on `host.<id>.streams`:
  log follows, pulls and compose runs, which wait on the engine for minutes and would otherwise
  hold the slots plain calls need. No Celery time limit: a stream ends with its reader's lease.

`manage.py agent` enrolls, then becomes (exec) `python -m core.agents.supervisor <commands>`:
the process that only waits for the workers carries no Django (13 MB instead of 100). Both
workers stay in its process group, so a kill of the group (a crashed machine, the test harness)
takes the whole agent at once. SIGTERM/SIGINT stops both (a warm shutdown: running calls finish,
running streams end, telling their readers); a worker that exits on its own stops the other and
the agent exits non-zero, so its container is restarted.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from core.agents import local

STOP_GRACE_SECONDS = 8.0  # `docker stop` waits 10 s before it kills
COLD_STOP_SECONDS = 2.0  # after a SIGQUIT (Celery's cold shutdown: its pool ends at once)
POLL_SECONDS = 0.5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def worker_commands(
    credentials: local.Credentials, concurrency: int, stream_concurrency: int, loglevel: str
) -> dict[str, list[str]]:
    celery = [sys.executable, "-m", "celery", "-A", "cockpit", "worker", "-l", loglevel,
              "--without-gossip", "--without-mingle"]  # fmt: skip
    name = f"agent-{credentials.host_id}"
    return {
        local.CALLS_WORKER: [*celery, "-Q", credentials.queue, "-n", f"{name}@%h",
                             "--concurrency", str(concurrency)],
        local.STREAMS_WORKER: [*celery, "-Q", credentials.stream_queue, "-n", f"{name}-streams@%h",
                               "--pool", "threads", "--concurrency", str(stream_concurrency)],
    }  # fmt: skip


def worker_environment(worker: str) -> dict[str, str]:
    return {
        **os.environ,
        "COCKPIT_AGENT": "1",
        local.WORKER_VARIABLE: worker,
        local.BOOT_ID_VARIABLE: local.BOOT_ID,  # one boot for both workers
    }


def supervise(commands: dict[str, list[str]], say: Callable[[str], None]) -> int:
    """Run the workers until a signal (answers 0) or until one of them exits (answers its
    status, 1 if that was 0)."""
    signals: list[int] = []

    def request_stop(signum, frame):
        signals.append(signum)

    previous = {signum: signal.signal(signum, request_stop) for signum in STOP_SIGNALS}
    children: dict[str, subprocess.Popen] = {}
    try:
        for worker, command in commands.items():
            children[worker] = subprocess.Popen(command, env=worker_environment(worker))
        while not signals:
            ended = [worker for worker, child in children.items() if child.poll() is not None]
            if ended:
                code = children[ended[0]].returncode
                say(f"The agent's {ended[0]} worker exited with status {code}: stopping the agent")
                return code if code > 0 else 1
            time.sleep(POLL_SECONDS)
        return 0
    finally:
        stop(list(children.values()))
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop(children: list[subprocess.Popen]) -> None:
    """SIGTERM (warm shutdown), then SIGQUIT (cold), then SIGKILL, each after its grace."""
    for signum, grace in (
        (signal.SIGTERM, STOP_GRACE_SECONDS),
        (signal.SIGQUIT, COLD_STOP_SECONDS),
        (signal.SIGKILL, COLD_STOP_SECONDS),
    ):
        running = [child for child in children if child.poll() is None]
        for child in running:
            child.send_signal(signum)
        deadline = time.monotonic() + grace
        for child in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.0, deadline - time.monotonic()))


def become_supervisor(commands: dict[str, list[str]]) -> None:
    """Replace this process (same pid and process group) with the slim supervisor."""
    argv = [sys.executable, "-m", __name__, json.dumps(commands)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606


def main(argv: list[str]) -> int:
    commands = json.loads(argv[1])
    return supervise(commands, lambda line: print(line, file=sys.stderr, flush=True))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
