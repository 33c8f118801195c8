"""Request-level middleware: request id, the JSON error contract, and the body size limit.

Each works in both the sync (tests, WSGI) and async (daphne) request paths, so the ASGI server
never has to hop threads just to run them.
"""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

from core.http import request_id
from core.http.errors import error_response, message_for

log = logging.getLogger(__name__)

DATABASE_BUSY = "Database unavailable or busy; try again shortly"

# Paths whose error pages are for humans in a browser (Django admin, the API docs).
HTML_PREFIXES = ("/admin/", "/api/docs")


class HybridMiddleware:
    """Base for middleware written as `before(request)` / `after(request, response)` hooks."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        early = self.before(request)
        response = early if early is not None else self.get_response(request)
        return self.after(request, response)

    async def _acall(self, request):
        early = self.before(request)
        response = early if early is not None else await self.get_response(request)
        return self.after(request, response)

    def before(self, request: HttpRequest) -> HttpResponseBase | None:
        return None

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        return response


class RequestIdMiddleware(HybridMiddleware):
    """Accept a safe `X-Request-ID` or make one; echo it on every response and in log lines."""

    def __call__(self, request):
        request.request_id = request_id.accept_or_generate(request.headers.get(request_id.HEADER))
        token = request_id.bind(request.request_id)
        if iscoroutinefunction(self):
            return self._abound(request, token)
        try:
            return super().__call__(request)
        finally:
            request_id.unbind(token)

    async def _abound(self, request, token):
        try:
            return await self._acall(request)
        finally:
            request_id.unbind(token)

    def after(self, request, response):
        response[request_id.HEADER] = request.request_id
        return response


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class JsonErrorMiddleware(HybridMiddleware):
    """Turn any error Django answered in HTML or plain text (unknown route, wrong method, CSRF,
    a crash in another middleware) into the JSON contract. Admin and docs pages keep theirs."""

    def after(self, request, response):
        if response.status_code < 400 or _is_json(response) or response.streaming:
            return response
        if request.path.startswith(HTML_PREFIXES) or getattr(response, "keep_error_body", False):
            return response
        replacement = error_response(message_for(response.status_code), response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        if isinstance(exception, DatabaseOperationalError):
            # Locked (SQLite's busy timeout ran out), connection lost, statement timeout: the
            # database could not answer in time, which is not a bug in the request.
            log.warning("database unavailable: %s: %s", exception.__class__.__name__, exception)
            response = error_response(DATABASE_BUSY, 503)
            response["Retry-After"] = "5"
            return response
        return None


def _too_large(limit: int | None = None):
    limit = settings.MAX_BODY_BYTES if limit is None else limit
    return error_response(f"Request body too large (max {limit} bytes)", status=413)


def route_body_limit(request) -> int:
    """MAX_BODY_BYTES, or more where the route's view class declares `max_body_bytes` (compose
    files). Resolved only for bodies over the global limit, so other requests pay nothing."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return settings.MAX_BODY_BYTES
    view = getattr(match.func, "view_class", match.func)
    return max(settings.MAX_BODY_BYTES, getattr(view, "max_body_bytes", 0))


class BodySizeLimitMiddleware(HybridMiddleware):
    """Refuse bodies over MAX_BODY_BYTES before anything reads them."""

    def before(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response("Invalid Content-Length header", 400)
        if length > settings.MAX_BODY_BYTES:
            limit = route_body_limit(request)
            if length > limit:
                return _too_large(limit)
        return None


class NulCharacterGuardMiddleware(HybridMiddleware):
    """Refuse a NUL character in the path or query string (`%00`): PostgreSQL cannot compare
    or store one, so any lookup it reached would fail with a 500. Bodies are checked by the
    JSON parser (core.http.parsers)."""

    def before(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return error_response("NUL characters are not allowed in the URL", 400)
        return None
