"""`GET /api/edition`: the caller's organisation's edition, features and limits."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.editions.resolver import EditionState, edition_for
from core.extensions import registered


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def edition_body(state: EditionState) -> dict:
    return {
        "edition": state.edition,
        "features": list(state.features),
        "limits": dict(state.limits),
        "org": state.org,
        "expiresAt": _iso(state.expires_at),
        "graceMode": state.grace_mode,
        "graceDaysLeft": state.grace_days_left,
        "extensions": [extension.name for extension in registered()],
    }


class EditionView(TenantAPIView):
    @extend_schema(
        summary="The organisation's edition, features, limits and licence state",
        responses=inline_serializer(
            "Edition",
            {
                "edition": serializers.CharField(),
                "features": serializers.ListField(child=serializers.CharField()),
                "limits": serializers.DictField(child=serializers.IntegerField()),
                "org": serializers.CharField(allow_null=True),
                "expiresAt": serializers.DateTimeField(allow_null=True),
                "graceMode": serializers.BooleanField(),
                "graceDaysLeft": serializers.IntegerField(allow_null=True),
                "extensions": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def get(self, request):
        return Response(edition_body(edition_for(request.user.org_id)))
