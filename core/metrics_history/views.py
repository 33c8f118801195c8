"""`GET /api/metrics/history` (any role), per host: `?host=<slug>`, else the default host."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.metrics_history import params, query


class MetricsHistoryView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Metrics history of a host: legacy `{history, summary}` or range buckets",
        parameters=[
            OpenApiParameter("range", str, enum=["24h", "7d", "30d", "90d", "1y"]),
            OpenApiParameter("from", float, description="Epoch seconds (with `to`)."),
            OpenApiParameter("to", float, description="Epoch seconds (with `from`)."),
            OpenApiParameter("hours", float, description="Legacy window in hours."),
            OpenApiParameter("host", str, description="Host slug; default host if absent."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        history_request = params.parse(request.query_params)
        host = self.get_host()
        return Response(query.history(host, history_request, timezone.now()))
