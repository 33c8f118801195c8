"""`POST /api/agents/enroll` (public: the enrollment token is the credential) and
`POST /api/hosts/<id>/enrollment` (admins: a new one-time token for an agent host)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts import lockout
from core.accounts.models import Role
from core.accounts.views.auth import locked
from core.agents import enrollment
from core.agents.errors import InvalidEnrollmentToken
from core.agents.serializers import EnrollRequest
from core.api.base import TenantAPIView
from core.api.body import validated
from core.api.ids import parse_id
from core.api.views import PublicView
from core.audit.services import record, record_event
from core.hosts.selectors import get_host
from core.hosts.serializers import enrollment_json
from core.http.client_ip import client_ip
from core.http.ratelimit import StrictRateLimit


class EnrollView(PublicView):
    """Failed exchanges count towards the client's lockout (like failed logins); every call
    counts towards the strict rate limit."""

    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="Exchange a one-time enrollment token for an agent's credentials",
        request=EnrollRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        ip = client_ip(request)
        if lockout.is_locked(ip=ip):
            return locked()
        body = validated(EnrollRequest, request)
        try:
            host, credentials = enrollment.enroll(
                body["token"], hostname=body.get("hostname", ""), version=body.get("version", "")
            )
        except InvalidEnrollmentToken:
            lockout.record_failure(ip=ip)
            raise
        record_event(
            action="agent.enroll",
            user_id=f"agent:{host.slug}",
            org=host.org_id,
            target=host.slug,
            detail=f"Agent host: {body.get('hostname', '')}",
        )
        return Response(credentials)


class EnrollmentTokenView(TenantAPIView):
    roles = {"post": Role.ADMIN}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="A new one-time enrollment token for an agent host (older ones stop working)",
        request=None,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request, host_id: str):
        host = get_host(request.user.org_id, parse_id(host_id, "host"))
        answer = enrollment_json(*enrollment.issue_token(host))
        record(request, "host.enrollment_token", target=host.slug)
        return Response(answer, status=201)
