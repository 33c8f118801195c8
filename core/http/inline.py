"""Django's (and django-prometheus') `MiddlewareMixin` middleware on the async request path
without a thread switch per hook.

Under daphne, `MiddlewareMixin.__acall__` runs every `process_request` / `process_response`
through `sync_to_async`, and Django runs every sync `process_view` the same way: about twenty
round trips to a worker thread per request with the stock list, which measured at roughly
half of what a request costs (bench/api.py). The hooks of the classes below never block:
they set headers, lazy objects and counters. The exceptions are explicit: the session is
saved, and messages are stored, only when the request touched them (Django admin pages),
and then that hook still runs in a thread, as before.

Each class is the stock class with the same behaviour; only where its hooks run changes. The
sync path (tests, management commands) is untouched.
"""

from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import clickjacking, common, csrf, security
from django_prometheus import middleware as prometheus


def _inline(base: type, needs_thread: Callable | None = None) -> type:
    """`base` with its request/response/view hooks called inline on the event loop;
    `needs_thread(request)` says when its process_response must still run in a thread."""

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if needs_thread is not None and needs_thread(request):
                process = sync_to_async(self.process_response, thread_sensitive=True)
                response = await process(request, response)
            else:
                response = self.process_response(request, response)
        return response

    def __init__(self, get_response):
        base.__init__(self, get_response)
        if self.async_mode and hasattr(base, "process_view"):
            sync_view_hook = self.process_view

            # Django awaits a coroutine hook on the async path instead of sending it to a
            # thread; the sync path keeps the plain method.
            async def process_view(request, view_func, view_args, view_kwargs):
                return sync_view_hook(request, view_func, view_args, view_kwargs)

            self.process_view = process_view

    namespace = {
        "__init__": __init__,
        "__acall__": __acall__,
        "__module__": __name__,
        "__doc__": base.__doc__,
    }
    return type(base.__name__, (base,), namespace)


def _session_touched(request) -> bool:
    session = getattr(request, "session", None)
    return session is not None and (session.accessed or session.modified)


def _messages_touched(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and (storage.used or storage.added_new)


PrometheusBeforeMiddleware = _inline(prometheus.PrometheusBeforeMiddleware)
PrometheusAfterMiddleware = _inline(prometheus.PrometheusAfterMiddleware)
SecurityMiddleware = _inline(security.SecurityMiddleware)
SessionMiddleware = _inline(sessions.SessionMiddleware, _session_touched)
CommonMiddleware = _inline(common.CommonMiddleware)
CsrfViewMiddleware = _inline(csrf.CsrfViewMiddleware)
AuthenticationMiddleware = _inline(auth.AuthenticationMiddleware)
MessageMiddleware = _inline(messages.MessageMiddleware, _messages_touched)
XFrameOptionsMiddleware = _inline(clickjacking.XFrameOptionsMiddleware)
