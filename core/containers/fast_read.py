"""An async fast path in front of a DRF view, for hot reads answered from memory.

    path("api/containers", fast_get(ContainerListView, answer), name="containers")

`answer(request, principal)` runs on the event loop for a plain `GET` whose bearer token
verifies (claims only: no database) and returns a response, or None when it cannot answer
from memory without blocking (host not cached, snapshot not fresh). Anything else, and every
None, goes to the DRF view unchanged (in a thread, as Django runs any sync view), so each
error, header and status stays exactly the DRF view's: the fast path only ever answers the
happy case, with the bytes the DRF view would have answered.

Why: under daphne a sync view costs a thread start and two thread switches per request
(Django gives every request its own thread-sensitive executor), several times the cost of
answering pre-rendered bytes.
"""

from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.views import APIView

from core.accounts.authentication import BearerTokenAuthentication
from core.accounts.models import Role
from core.accounts.principal import Principal

Answer = Callable[[HttpRequest, Principal], Awaitable[HttpResponse | None]]

# Accept values DRF's content negotiation resolves to its plain JSON renderer.
_PLAIN_JSON = frozenset({"", "*/*", "application/json", "application/*"})
_authentication = BearerTokenAuthentication()


def _plain_json(request: HttpRequest) -> bool:
    """No `?format=`, and an Accept that can only mean our plain JSON (media parameters such
    as `indent=4` change DRF's rendering, so they go to DRF)."""
    if "format" in request.GET:
        return False
    accept = request.META.get("HTTP_ACCEPT", "")
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media not in _PLAIN_JSON or any(not p.startswith("q=") for p in params if p):
            return False
    return True


def _principal(request: HttpRequest) -> Principal | None:
    try:
        result = _authentication.authenticate(request)
    except exceptions.AuthenticationFailed:
        return None
    return result[0] if result else None


def _drf_headers(view_class: type[APIView], initkwargs: dict) -> dict:
    """The headers DRF adds to this view's responses (Allow), computed as DRF would after
    Django's `View.setup()`, which answers HEAD with GET."""
    view = view_class(**initkwargs)
    if hasattr(view, "get") and not hasattr(view, "head"):
        view.head = view.get
    return view.default_response_headers


def fast_get(view_class: type[APIView], answer: Answer, **initkwargs):
    drf_view = view_class.as_view(**initkwargs)
    in_thread = sync_to_async(drf_view)
    minimum = view_class.roles.get("get", Role.VIEWER)
    headers = _drf_headers(view_class, initkwargs)

    async def view(request, *args, **kwargs):
        if request.method == "GET" and _plain_json(request):
            principal = _principal(request)
            if principal is not None and principal.has_role(minimum):
                response = await answer(request, principal)
                if response is not None:
                    request.user = principal
                    for name, value in headers.items():
                        response[name] = value
                    return response
        return await in_thread(request, *args, **kwargs)

    # What URL walkers (the OpenAPI schema, the role matrix) read from a DRF view.
    view.cls = view.view_class = view_class
    view.initkwargs = drf_view.initkwargs
    view.csrf_exempt = True
    view.__doc__ = view_class.__doc__
    return view
