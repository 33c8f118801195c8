"""The engine calls the sampler makes every 15 s, kept cheap: a container list without sizes,
one-shot stats, the engine's /info and a restart-count inspect."""

import docker
from docker.utils import version_gte

from core.docker.containers import STATS_FAILURES, _summary
from core.docker.errors import UNREACHABLE, DockerAPIError
from core.docker.host_calls import engine
from core.hosts.models import DockerHost

# Engine API that accepts `one-shot=true`: one stats reading at once, without the ~1 s the
# engine otherwise waits to fill `precpu_stats` (the sampler keeps its own previous reading).
ONE_SHOT_API = "1.41"
SAMPLING_FAILURES = (DockerAPIError, *UNREACHABLE)


def list_for_sampling(host: DockerHost) -> list[dict]:
    """Every container (ContainerSummary) without the size walk, in one engine call."""
    with engine(host) as client:
        return [_summary(raw) for raw in client.api.containers(all=True, size=False)]


def engine_info(host: DockerHost) -> dict:
    with engine(host) as client:
        return client.info()


def raw_stats(host: DockerHost, container_id: str, *, one_shot: bool = True) -> dict | None:
    """One raw stats reading, or None when the engine cannot give one (the container stopped
    between the list and this call, or the engine went away). `one_shot=False` is the engine's
    blocking call (about a second), kept for the benchmark's comparison."""
    try:
        with engine(host) as client:
            api = client.api
            if one_shot and version_gte(api._version, ONE_SHOT_API):
                return api.stats(container_id, stream=False, one_shot=True)
            return api.stats(container_id, stream=False)
    except (*STATS_FAILURES, DockerAPIError):
        return None


def restart_count(host: DockerHost, container_id: str) -> int | None:
    """`State.RestartCount` from an inspect; None when it cannot be read."""
    try:
        with engine(host) as client:
            info = client.api.inspect_container(container_id)
    except (*STATS_FAILURES, DockerAPIError, docker.errors.DockerException):
        return None
    # The engine reports it at the top level of the inspect document (not under State).
    count = info.get("RestartCount", (info.get("State") or {}).get("RestartCount"))
    return count if isinstance(count, int) else None
