"""One pooled Docker client per engine address (and TLS identity), reused across requests and
threads."""

import atexit
import hashlib
import shutil
import tempfile
import threading
from pathlib import Path

import docker
from django.conf import settings
from docker.constants import DEFAULT_DOCKER_API_VERSION

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


def _open(base_url: str, timeout: float, tls: docker.tls.TLSConfig | None) -> docker.DockerClient:
    if tls is None:
        return docker.DockerClient(base_url=base_url, version="auto", timeout=timeout)
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's own CA (and
    # HTTPS_PROXY reroute it): a tcp host trusts exactly its CA and talks to its engine
    # directly, so the environment is switched off before the first call, which is only then
    # made to negotiate the API version (what version="auto" does in the constructor).
    client = docker.DockerClient(
        base_url=base_url, version=DEFAULT_DOCKER_API_VERSION, timeout=timeout, tls=tls
    )
    client.api.trust_env = False
    try:
        client.api._version = client.api._retrieve_server_version()
    except BaseException:
        client.close()
        raise
    return client


def client_for(
    base_url: str, timeout: float | None = None, tls: dict | None = None
) -> docker.DockerClient:
    """A shared client for `base_url`. The API version is negotiated with the engine (the
    engines here speak 1.41; the SDK's default is newer). `tls` ({ca, cert, key} PEM text)
    makes it a mutually authenticated TLS client that verifies the engine's certificate
    against that CA alone."""
    timeout = settings.DOCKER_TIMEOUT if timeout is None else timeout
    key = (base_url, timeout, _fingerprint(tls))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                config, directory = _tls_config(tls) if tls else (None, None)
                try:
                    client = _open(base_url, timeout, config)
                except BaseException:
                    # A failed handshake leaves no client behind, so no key file either.
                    if directory:
                        shutil.rmtree(directory, ignore_errors=True)
                    raise
                _clients[key] = client
                if directory:
                    _tls_dirs[key] = directory
    return client


def certificate_directory(base_url: str, tls: dict) -> str:
    """The private directory holding a tcp host's ca.pem, cert.pem and key.pem (the names the
    Docker CLI and compose read from DOCKER_CERT_PATH): the pooled client's own, opened first."""
    client_for(base_url, None, tls)
    key = (base_url, settings.DOCKER_TIMEOUT, _fingerprint(tls))
    with _lock:
        return _tls_dirs[key]


def forget(base_url: str) -> None:
    """Drop cached clients for an address (after its settings change or it went away)."""
    with _lock:
        for key in [key for key in _clients if key[0] == base_url]:
            _clients.pop(key).close()
            directory = _tls_dirs.pop(key, None)
            if directory:
                shutil.rmtree(directory, ignore_errors=True)


@atexit.register
def _remove_key_files() -> None:
    """A process that exits leaves no client key on disk (one that is killed cannot help it)."""
    for directory in list(_tls_dirs.values()):
        shutil.rmtree(directory, ignore_errors=True)
