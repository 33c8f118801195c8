"""One listing of a host's containers, rendered once: the exact bytes `GET /api/containers`
answers (DRF's JSON renderer, as the view would render them) and their ETag.

`snapshot_response()` answers those bytes with their ETag, or 304 Not Modified when the
client's `If-None-Match` names it.

Figures other read paths derive from the listing (the overview's counts) are computed once per
snapshot with `derived()`, so a burst of readers of an unchanged snapshot does no work.
"""

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.renderers import JSONRenderer

_renderer = JSONRenderer()


def render(data: Any) -> bytes:
    return _renderer.render(data)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


class ContainerSnapshot:
    """`containers` (ContainerSummary dicts; never mutate them), `body`, `etag`, and `started`:
    the monotonic time its listing began, which orders snapshots of one host."""

    __slots__ = ("_derived", "_lock", "body", "containers", "etag", "started")

    def __init__(self, containers: list[dict], body: bytes, etag: str, started: float):
        self.containers = containers
        self.body = body
        self.etag = etag
        self.started = started
        self._derived: dict[Callable, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, containers: list[dict], started: float) -> "ContainerSnapshot":
        body = render({"containers": containers})
        return cls(containers, body, etag_of(body), started)

    def restarted(self, started: float) -> "ContainerSnapshot":
        """The same content, listed again at `started` (keeps the derived figures)."""
        copy = ContainerSnapshot(self.containers, self.body, self.etag, started)
        copy._derived = self._derived
        return copy

    def derived(self, compute: Callable[[list[dict]], Any]) -> Any:
        """`compute(containers)`, computed once per content."""
        try:
            return self._derived[compute]
        except KeyError:
            pass
        value = compute(self.containers)
        with self._lock:
            return self._derived.setdefault(compute, value)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = parse_etags(if_none_match)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def snapshot_response(request, snapshot: ContainerSnapshot) -> HttpResponse:
    if _matches(request.headers.get("If-None-Match"), snapshot.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(snapshot.body, content_type="application/json")
    response["ETag"] = snapshot.etag
    return response
