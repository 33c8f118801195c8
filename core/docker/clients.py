"""One pooled Docker client per engine address, reused across requests and threads."""

import threading

import docker
from django.conf import settings

_clients: dict[tuple[str, float], docker.DockerClient] = {}
_lock = threading.Lock()


def client_for(base_url: str, timeout: float | None = None) -> docker.DockerClient:
    """A shared client for `base_url`. `version="auto"` asks the engine which API it speaks
    (the engines here speak 1.41; the SDK's default is newer)."""
    timeout = settings.DOCKER_TIMEOUT if timeout is None else timeout
    key = (base_url, timeout)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = docker.DockerClient(base_url=base_url, version="auto", timeout=timeout)
                _clients[key] = client
    return client


def forget(base_url: str) -> None:
    """Drop cached clients for an address (after its settings change or it went away)."""
    with _lock:
        for key in [key for key in _clients if key[0] == base_url]:
            _clients.pop(key).close()
