"""A real HTTP server on 127.0.0.1 (run in a thread) that answers like a vendor's API:
routes map "METHOD /path" to a handler returning (status, body); every request is recorded
(method, path, query, headers, body) so tests can check what the adapter sent."""

import http.server
import json
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def reply(status: int, body) -> tuple[int, bytes, str]:
    if isinstance(body, bytes):
        return status, body, "application/xml"
    return status, json.dumps(body).encode(), "application/json"


class Vendor:
    def __init__(self, routes: dict):
        self.routes = dict(routes)
        self.requests: list[Request] = []
        vendor = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    raw_query=parts.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                vendor.requests.append(request)
                handler = vendor.routes.get(f"{self.command} {parts.path}")
                if handler is None:
                    status, body, kind = reply(404, {"error": "no route"})
                else:
                    result = handler(request) if callable(handler) else handler
                    status, body, kind = reply(*result) if isinstance(result, tuple) else result
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
