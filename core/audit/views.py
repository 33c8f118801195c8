"""`GET /api/audit` (admin): the organisation's audit log, newest first (spec §3.2)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.audit.models import AuditLog
from core.audit.selectors import audit_rows
from core.http.pagination import page_params

DEFAULT_LIMIT = 50


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def audit_row_body(row: AuditLog) -> dict:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "action": row.action,
        "target": row.target,
        "detail": row.detail,
        "created_at": _iso(row.created_at),
    }


AuditPageSerializer = inline_serializer(
    "AuditLogPage",
    {
        "logs": inline_serializer(
            "AuditLogRow",
            {
                "id": serializers.IntegerField(),
                "user_id": serializers.CharField(),
                "action": serializers.CharField(),
                "target": serializers.CharField(),
                "detail": serializers.CharField(),
                "created_at": serializers.DateTimeField(),
            },
            many=True,
        ),
        "total": serializers.IntegerField(),
        "limit": serializers.IntegerField(),
        "offset": serializers.IntegerField(),
    },
)


class AuditLogView(TenantAPIView):
    roles = {"get": Role.ADMIN}

    @extend_schema(
        summary="The organisation's audit log, newest first",
        parameters=[
            OpenApiParameter("action", str, description="Exact action, e.g. container.stop"),
            OpenApiParameter("user", str, description="Exact user_id"),
            OpenApiParameter("limit", int, description="1-500, default 50"),
            OpenApiParameter("offset", int, description="Default 0"),
        ],
        responses=AuditPageSerializer,
    )
    def get(self, request):
        limit, offset = page_params(request.query_params, default_limit=DEFAULT_LIMIT)
        rows = audit_rows(
            request.user.org_id,
            action=request.query_params.get("action"),
            user=request.query_params.get("user"),
        )
        return Response(
            {
                "logs": [audit_row_body(row) for row in rows[offset : offset + limit]],
                "total": rows.count(),
                "limit": limit,
                "offset": offset,
            }
        )
