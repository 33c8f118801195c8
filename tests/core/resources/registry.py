"""A tiny Docker registry (v2 API, plain HTTP on 127.0.0.1) serving one small image, so real
pulls can be tested with no registry reachable. The engine treats 127.0.0.0/8 as an insecure
registry and falls back to HTTP by itself.

`corrupt_layer=True` serves a layer whose bytes do not match its digest: the engine accepts
the pull, streams progress, then reports the failure inside the stream.
"""

import gzip
import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer() -> tuple[bytes, bytes]:
    """(uncompressed tar, gzip of it)."""
    content = b"pulled through the test registry\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("pulled.txt")
        info.size = len(content)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(content))
    raw = buffer.getvalue()
    return raw, gzip.compress(raw, mtime=0)


class FakeRegistry:
    def __init__(self, tag: str = "v1", corrupt_layer: bool = False):
        raw, compressed = _layer()
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {"Cmd": ["/pulled.txt"], "Labels": {"org.cockpit.test": "pull"}},
                "rootfs": {"type": "layers", "diff_ids": [_digest(raw)]},
                "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "test registry"}],
            }
        ).encode()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "size": len(config),
                    "digest": _digest(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": len(compressed),
                        "digest": _digest(compressed),
                    }
                ],
            }
        ).encode()
        served_layer = gzip.compress(raw + b"\0" * 1024, mtime=0) if corrupt_layer else compressed
        self.tag = tag
        self.manifest_digest = _digest(manifest)
        self.manifest = manifest
        self.blobs = {_digest(config): config, _digest(compressed): served_layer}
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _handler(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict | None = None):
                self.send_response(status)
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self):
                registry.requests.append(self.path)
                path = self.path.split("?")[0]
                if path == "/v2/":
                    return self._send(200, b"{}", {"Content-Type": "application/json"})
                _, _, rest = path.partition("/v2/")
                parts = rest.rsplit("/", 2)
                kind, ref = parts[-2:] if len(parts) == 3 else ("", "")
                if kind == "manifests" and ref in (registry.tag, registry.manifest_digest):
                    return self._send(
                        200,
                        registry.manifest,
                        {
                            "Content-Type": MANIFEST_TYPE,
                            "Docker-Content-Digest": registry.manifest_digest,
                        },
                    )
                if kind == "blobs" and ref in registry.blobs:
                    return self._send(
                        200,
                        registry.blobs[ref],
                        {"Content-Type": "application/octet-stream", "Docker-Content-Digest": ref},
                    )
                error = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}
                if kind == "blobs":
                    error = {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown"}]}
                return self._send(
                    404, json.dumps(error).encode(), {"Content-Type": "application/json"}
                )

            do_HEAD = do_GET

        return Handler

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
