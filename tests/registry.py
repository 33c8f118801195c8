"""A tiny Docker registry (HTTP API v2, plain HTTP on 127.0.0.1, a background thread), so real
pulls can be tested with no registry reachable. The engine treats 127.0.0.0/8 as an insecure
registry and speaks plain HTTP to it by itself; Go's proxy settings never apply to loopback.

Images are published from an image already on an engine (normally the offline test image):
its config and layers come from `docker save`, each layer is served gzip-compressed under the
digest of the compressed bytes. Extra `labels` change the config, hence the image id, which
lets a test move a tag to a newer image. The id an engine gives a pulled image is the digest of
its config, so `Published.image_id` is known before the pull.

    with Registry() as registry:
        first = registry.publish_image(client, "cockpit-test/busybox:1", "ckt/app", "1")
        ...pull f"{registry.address}/ckt/app:1"...

`corrupt=True` serves a layer whose bytes do not match its digest: the engine accepts the pull,
streams progress, then reports the failure inside the stream. Publish a `tiny_image()` for
that: an engine that already pulled a layer's digest once skips downloading it again.
"""

import gzip
import hashlib
import io
import json
import re
import tarfile
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
_ROUTE = re.compile(r"^/v2/(?P<name>.+)/(?P<kind>manifests|blobs)/(?P<ref>[^/]+)$")
_ERRORS = {
    "manifests": ("MANIFEST_UNKNOWN", "manifest unknown"),
    "blobs": ("BLOB_UNKNOWN", "blob unknown to registry"),
    "names": ("NAME_UNKNOWN", "repository name not known to registry"),
}


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Published:
    reference: str  # what to pull: "127.0.0.1:<port>/<name>:<tag>"
    manifest_digest: str
    image_id: str  # the id an engine gives the pulled image


_SAVED: dict[str, tuple[dict, tuple[tuple[bytes, bytes], ...]]] = {}  # by image id


def _unpack(saved: bytes) -> tuple[dict, tuple[tuple[bytes, bytes], ...]]:
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        [entry] = json.load(archive.extractfile("manifest.json"))
        config = json.load(archive.extractfile(entry["Config"]))
        layers = tuple(archive.extractfile(path).read() for path in entry["Layers"])
    return config, tuple((raw, gzip.compress(raw, compresslevel=1, mtime=0)) for raw in layers)


def saved_image(client, image: str) -> tuple[dict, tuple[tuple[bytes, bytes], ...]]:
    """The config and the layers (plain, gzipped) of `image` on the engine behind `client`;
    saved and compressed once per image id (the config returned must not be changed)."""
    image_id = client.api.inspect_image(image)["Id"]
    if image_id not in _SAVED:
        _SAVED[image_id] = _unpack(b"".join(client.images.get(image_id).save(named=False)))
    return _SAVED[image_id]


def tiny_image(**labels) -> tuple[dict, tuple[tuple[bytes, bytes], ...]]:
    """(config, layers) of a one-file image no engine has seen: created, never run."""
    content = f"pulled through the test registry {uuid.uuid4()}\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("pulled.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    raw = buffer.getvalue()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/pulled.txt"], "Labels": labels},
        "rootfs": {"type": "layers", "diff_ids": [digest(raw)]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "test registry"}],
    }
    return config, ((raw, gzip.compress(raw, mtime=0)),)


class Registry:
    def __init__(self):
        self.tags: dict[str, dict[str, str]] = {}  # name → tag → manifest digest
        self.manifests: dict[str, bytes] = {}
        self.blobs: dict[str, bytes] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def publish(self, name: str, tag: str, config: dict, layers, *, corrupt: bool = False):
        """Serve `config` with `layers` ((tar, gzip of it) pairs) as `name:tag`; publishing a
        tag again moves it."""
        config_bytes = json.dumps(config, separators=(",", ":")).encode()
        served = {digest(config_bytes): config_bytes}
        descriptors = []
        for raw, compressed in layers:
            served[digest(compressed)] = (
                gzip.compress(raw + b"\0" * 1024, mtime=0) if corrupt else compressed
            )
            descriptors.append(
                {"mediaType": LAYER_TYPE, "size": len(compressed), "digest": digest(compressed)}
            )
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": {
                    "mediaType": CONFIG_TYPE,
                    "size": len(config_bytes),
                    "digest": digest(config_bytes),
                },
                "layers": descriptors,
            }
        ).encode()
        with self._lock:
            self.blobs.update(served)
            self.manifests[digest(manifest)] = manifest
            self.tags.setdefault(name, {})[tag] = digest(manifest)
        return Published(f"{self.address}/{name}:{tag}", digest(manifest), digest(config_bytes))

    def publish_image(
        self, client, image: str, name: str, tag: str, *, labels=None, corrupt: bool = False
    ) -> Published:
        """Publish `image` (on the engine behind `client`) as `name:tag`, with `labels` added
        to its config."""
        config, layers = saved_image(client, image)
        config = json.loads(json.dumps(config))  # the cached one stays as it was
        if labels:
            settings = config.setdefault("config", {})
            settings["Labels"] = {**(settings.get("Labels") or {}), **labels}
        return self.publish(name, tag, config, layers, corrupt=corrupt)

    def lookup(self, name: str, kind: str, ref: str) -> tuple[bytes | None, str]:
        """(body, error kind): the body when found, else which registry error to answer."""
        with self._lock:
            if name not in self.tags:
                return None, "names"
            if kind == "blobs":
                return self.blobs.get(ref), "blobs"
            manifest_digest = self.tags[name].get(ref, ref)
            if manifest_digest not in self.tags[name].values():
                return None, "manifests"
            return self.manifests[manifest_digest], "manifests"

    def __enter__(self) -> "Registry":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(registry: Registry):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, headers: dict) -> None:
            self.send_response(status)
            self.send_header("Docker-Distribution-API-Version", "registry/2.0")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            registry.requests.append(f"{self.command} {self.path}")
            path = self.path.split("?")[0]
            if path == "/v2/":
                return self._send(200, b"{}", {"Content-Type": "application/json"})
            route = _ROUTE.match(path)
            if route:
                body, error = registry.lookup(route["name"], route["kind"], route["ref"])
                if body is not None and route["kind"] == "manifests":
                    headers = {"Content-Type": MANIFEST_TYPE, "Docker-Content-Digest": digest(body)}
                    return self._send(200, body, headers)
                if body is not None:
                    headers = {
                        "Content-Type": "application/octet-stream",
                        "Docker-Content-Digest": route["ref"],
                    }
                    return self._send(200, body, headers)
            else:
                error = "names"
            code, message = _ERRORS[error]
            body = json.dumps({"errors": [{"code": code, "message": message, "detail": {}}]})
            return self._send(404, body.encode(), {"Content-Type": "application/json"})

        do_HEAD = do_GET

    return Handler
