"""One pooled Docker client per engine address (and TLS identity), reused across requests and
threads."""

import hashlib
import shutil
import tempfile
import threading
from pathlib import Path

import docker
from django.conf import settings

_clients: dict[tuple[str, float, str], docker.DockerClient] = {}
_tls_dirs: dict[tuple[str, float, str], str] = {}
_lock = threading.Lock()


def _fingerprint(tls: dict | None) -> str:
    if not tls:
        return ""
    joined = "\0".join(tls[name] for name in ("ca", "cert", "key"))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def _tls_config(tls: dict) -> tuple[docker.tls.TLSConfig, str]:
    """The SDK reads certificates from files: a private directory per client, removed with it."""
    directory = tempfile.mkdtemp(prefix="cockpit-tls-")  # mode 0700
    paths = {}
    for name in ("ca", "cert", "key"):
        path = Path(directory, f"{name}.pem")
        path.touch(mode=0o600)
        path.write_text(tls[name])
        paths[name] = str(path)
    config = docker.tls.TLSConfig(
        client_cert=(paths["cert"], paths["key"]), ca_cert=paths["ca"], verify=True
    )
    return config, directory


def client_for(
    base_url: str, timeout: float | None = None, tls: dict | None = None
) -> docker.DockerClient:
    """A shared client for `base_url`. `version="auto"` asks the engine which API it speaks
    (the engines here speak 1.41; the SDK's default is newer). `tls` ({ca, cert, key} PEM
    text) makes it a mutually authenticated TLS client that verifies the engine's certificate."""
    timeout = settings.DOCKER_TIMEOUT if timeout is None else timeout
    key = (base_url, timeout, _fingerprint(tls))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                options = {}
                if tls:
                    options["tls"], _tls_dirs[key] = _tls_config(tls)
                client = docker.DockerClient(
                    base_url=base_url, version="auto", timeout=timeout, **options
                )
                _clients[key] = client
    return client


def forget(base_url: str) -> None:
    """Drop cached clients for an address (after its settings change or it went away)."""
    with _lock:
        for key in [key for key in _clients if key[0] == base_url]:
            _clients.pop(key).close()
            directory = _tls_dirs.pop(key, None)
            if directory:
                shutil.rmtree(directory, ignore_errors=True)
