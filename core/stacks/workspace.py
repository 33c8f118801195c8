"""Where a deployment's compose files live: DATA_DIR/stacks/<org id>/<host id>/<name>/ on the
machine that runs compose for the host (the control plane for local and tcp hosts, the agent
for an agent host).

The runner writes the version it deploys there first, so the database is the only source of
truth and any worker (or a re-created agent) can run any operation.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from core.docker.clients import certificate_directory
from core.docker.compose import ComposeProject
from core.docker.host_calls import tls_of
from core.hosts.models import DockerHost, HostKind
from core.stacks.errors import HostNotSupported, InvalidStackName
from core.stacks.names import validate_deployment_name

COMPOSE_FILE = "compose.yaml"
ENV_FILE = ".env"
# `compose config` reads files only; it is pointed at no engine at all (an agent host's engine
# is not reachable from the control plane).
NO_ENGINE = "unix:///nonexistent/cockpit-validation.sock"


def stacks_root() -> Path:
    return settings.DATA_DIR / "stacks"


def project_directory(org_id: int, host_id: int, name: str) -> Path:
    """The directory of one deployment. The name is checked against the stack-name rule, and
    the resolved path must still lie inside the stacks root (defence in depth)."""
    validate_deployment_name(name)
    root = stacks_root().resolve()
    directory = (root / str(int(org_id)) / str(int(host_id)) / name).resolve()
    if not directory.is_relative_to(root) or directory == root:
        raise InvalidStackName()
    return directory


def docker_host_address(host: DockerHost) -> str:
    """The engine address compose is pointed at (DOCKER_HOST in its environment), on the
    machine running compose for the host (an agent's host is local to the agent)."""
    if host.kind == HostKind.AGENT or not host.base_url:
        raise HostNotSupported()
    return host.base_url


def certificate_path(host: DockerHost) -> str | None:
    """A tcp host's TLS identity as files compose reads (DOCKER_CERT_PATH), or None."""
    tls = tls_of(host)
    return certificate_directory(host.base_url, tls) if tls else None


def refuse_unreachable(host: DockerHost) -> None:
    """HostNotSupported for a host compose can run against neither here nor on an agent."""
    if host.kind != HostKind.AGENT:
        docker_host_address(host)


def _write(path: Path, text: str, mode: int) -> None:
    """Write atomically with `mode`, so a reader never sees half a file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_project(directory: Path, compose: str, env: str | None) -> tuple[Path, Path | None]:
    """Write the compose file (and env file, readable by the owner only) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    compose_file = directory / COMPOSE_FILE
    _write(compose_file, compose, 0o600)
    env_file = directory / ENV_FILE
    if env is None:
        env_file.unlink(missing_ok=True)  # compose would read a stale .env on its own
        return compose_file, None
    _write(env_file, env, 0o600)
    return compose_file, env_file


def deployment_project(
    host: DockerHost, org_id: int, name: str, compose: str, env: str | None
) -> ComposeProject:
    """The compose project of a deployment with these files written to its directory."""
    directory = project_directory(org_id, host.id, name)
    compose_file, env_file = write_project(directory, compose, env)
    return ComposeProject(
        name=name,
        docker_host=docker_host_address(host),
        host_name=host.name,
        cert_path=certificate_path(host),
        directory=directory,
        compose_file=compose_file,
        env_file=env_file,
    )


def labelled_project(host: DockerHost, name: str) -> ComposeProject:
    """A project addressed by its name alone: compose finds its containers by label."""
    return ComposeProject(
        name=name,
        docker_host=docker_host_address(host),
        host_name=host.name,
        cert_path=certificate_path(host),
    )


@contextmanager
def scratch_project(host: DockerHost, name: str, compose: str, env: str | None):
    """The files in a throw-away directory on this machine, for validating them (`compose
    config`, which needs no engine) without touching the live ones, whatever the host's kind."""
    scratch_root = stacks_root() / ".scratch"
    scratch_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory = Path(tempfile.mkdtemp(dir=scratch_root, prefix="validate-"))
    try:
        compose_file, env_file = write_project(directory, compose, env)
        yield ComposeProject(
            name=name,
            docker_host=NO_ENGINE,
            host_name=host.name,
            directory=directory,
            compose_file=compose_file,
            env_file=env_file,
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def forget_project(org_id: int, host_id: int, name: str) -> None:
    shutil.rmtree(project_directory(org_id, host_id, name), ignore_errors=True)
