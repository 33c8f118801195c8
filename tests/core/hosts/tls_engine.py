"""A private Docker engine that only answers mutually authenticated TLS on a loopback port, for
tcp hosts: the test CA (tests.pki) signs its server certificate (127.0.0.1 and localhost) and
the client certificate a host is given; `--tlsverify` makes it refuse any other client.

Started with tools.testenv's private_dockerd (own socket, data root, exec root, pidfile,
`--bridge none`, no iptables) on its own address pool, 10.216.0.0/16, apart from the other
private engines' (10.213-10.215/16). Its unix socket stays plain: the test uses it to set up
and clean up behind the API's back."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker

from fixtures.test_image import ensure_test_image
from tests.pki import authority, client_tls_body
from tools.testenv import free_port, private_dockerd

ADDRESS_POOL = "base=10.216.0.0/16,size=24"


@dataclass(frozen=True)
class TLSEngine:
    url: str  # tcp://127.0.0.1:<port>, TLS only
    socket_url: str  # unix://..., plain, for the test's own set-up
    client: docker.DockerClient  # over the unix socket
    image: str

    @staticmethod
    def tls_body(label: str = "cockpit test CA") -> dict:
        """`tlsCa`, `tlsCert`, `tlsKey` of a host request; another label is an unrelated CA."""
        return client_tls_body(label)


def _write_server_identity(directory: Path) -> list[str]:
    pki = authority()
    files = {"ca.pem": pki["ca"], "server-cert.pem": pki["server_cert"],
             "server-key.pem": pki["server_key"]}  # fmt: skip
    for name, text in files.items():
        path = directory / name
        path.touch(mode=0o600)
        path.write_text(text)
    return [
        "--tlsverify",
        "--tlscacert", str(directory / "ca.pem"),
        "--tlscert", str(directory / "server-cert.pem"),
        "--tlskey", str(directory / "server-key.pem"),
    ]  # fmt: skip


@contextmanager
def tls_engine() -> Iterator[TLSEngine]:
    """The running engine with the offline test image loaded; stopped and removed after."""
    certs = Path(tempfile.mkdtemp(prefix="ck-tls-engine-"))
    try:
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        arguments = (*_write_server_identity(certs), "--host", url)
        with private_dockerd(address_pool=ADDRESS_POOL, extra_args=arguments) as socket_url:
            client = docker.DockerClient(base_url=socket_url, version="auto", timeout=60)
            try:
                yield TLSEngine(url, socket_url, client, ensure_test_image(client))
            finally:
                client.close()
    finally:
        shutil.rmtree(certs, ignore_errors=True)
