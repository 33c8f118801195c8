"""The generic audit row every mutating request gets once its response is ready (spec §10.5).

action "<METHOD> <path>", target the path, detail {method, path, status, ip, ua, requestId}.
Never the body, the query string, a header other than the User-Agent, or a token. Requests
the rate limiter refused never get here (it sits in front of this middleware).
"""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async

from core.audit.services import principal_name, principal_org_id, record_event
from core.http.client_ip import client_ip

log = logging.getLogger(__name__)

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNAUDITED_PATHS = frozenset({"/health", "/", "/api/stream", "/api/stream/ticket"})
USER_AGENT_LIMIT = 256
PATH_LIMIT = 480


def _is_audited(request) -> bool:
    return request.method in MUTATING_METHODS and request.path not in UNAUDITED_PATHS


def _write_generic_row(request, status: int) -> None:
    user = getattr(request, "user", None)
    path = request.path[:PATH_LIMIT]
    ip = client_ip(request)
    request_id = getattr(request, "request_id", "")
    try:
        record_event(
            action=f"{request.method} {path}",
            user_id=principal_name(user),
            org=principal_org_id(user),
            target=path,
            detail={
                "method": request.method,
                "path": path,
                "status": status,
                "ip": ip,
                "ua": request.headers.get("User-Agent", "")[:USER_AGENT_LIMIT],
                "requestId": request_id,
            },
            ip=ip,
            request_id=request_id,
        )
    except Exception:  # losing an audit row must not turn a done action into an error
        log.exception("Could not write the audit row for %s %s", request.method, path)


class AuditMutationMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        response = self.get_response(request)
        if _is_audited(request):
            _write_generic_row(request, response.status_code)
        return response

    async def _acall(self, request):
        response = await self.get_response(request)
        if _is_audited(request):
            await sync_to_async(_write_generic_row)(request, response.status_code)
        return response
