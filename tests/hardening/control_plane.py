"""The control plane of tests/core/agents/cluster.py (web, worker and beat as real processes on
a file database) on a private Redis the test stops and starts again on the same port and data
directory, with AOF on as compose/ runs it, for faults the shared Redis must never see."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.core.agents.cluster import ControlPlane
from tests.core.stream.servers import Process
from tools.testenv import DEFAULT_SOCKET, free_port, stop_process, wait_for

# Short enough for a test: a killed worker's task comes back after BROKER_VISIBILITY_TIMEOUT,
# a run's lease (longer than a container restart's 10 + 5 s) after SCHEDULE_RUN_LEASE_SECONDS,
# a stack operation's (renewed every third of it while compose runs) after its own.
FAULT_SETTINGS = {
    "BROKER_VISIBILITY_TIMEOUT": "10",
    "SCHEDULE_RUN_LEASE_SECONDS": "18",
    "STACK_OPERATION_LEASE_SECONDS": "6",
    "SCHEDULE_CATCH_UP_SECONDS": "3",
    "SSE_KEEPALIVE_SECONDS": "1",
}


class RestartableRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = Path(tempfile.mkdtemp(prefix="ck-fault-redis-"))
        self.process: subprocess.Popen | None = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def start(self) -> "RestartableRedis":
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                   "--save", "", "--appendonly", "yes", "--dir", str(self.workdir)]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        wait_for(self.answers, 20, "the private redis-server")
        return self

    def stop(self) -> None:
        """A clean shutdown: Redis writes its AOF out, as a restarted Redis in compose does."""
        if self.process is not None:
            stop_process(self.process, "redis-server")
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_control_plane(tmp: Path, redis: RestartableRedis) -> ControlPlane:
    """The environment of ControlPlane's processes is the test's own (minus the suite's
    settings), so FAULT_SETTINGS reach them through os.environ (set by the caller's
    monkeypatch)."""
    return ControlPlane(tmp, redis.url, os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET)


def kill_worker(plane: ControlPlane) -> None:
    """What a crash looks like: the worker and its pool children, SIGKILL, no clean-up."""
    os.killpg(plane.worker.process.pid, signal.SIGKILL)
    plane.worker.process.wait()
    plane.worker._log.close()


def kill_pool_processes(plane: ControlPlane) -> int:
    """What the out-of-memory killer does: the worker's pool processes die, its main process
    lives on (and starts new ones). Returns how many were killed."""
    main = plane.worker.process.pid
    children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    return len(children)


def start_worker(plane: ControlPlane, name: str) -> None:
    """A new worker with the same command line as the first; ControlPlane.stop() stops it."""
    plane.worker = Process(plane.worker.process.args, plane.env, plane.tmp / f"{name}.log")
