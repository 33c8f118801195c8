"""Service-level endpoints: service info, health, source offer."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import health
from core.accounts.models import Edition, Organization, Role
from core.accounts.permissions import RolePermission
from core.editions.resolver import edition_for
from core.extensions import registered
from core.setup import DEFAULT_ORG_SLUG
from core.stream import clients as stream_clients

SERVICE = "lagoon-cockpit-api"  # kept for clients of the original


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes: list = []


def _platform_edition() -> str:
    """The default organisation's edition, licence included."""
    org_id = Organization.objects.filter(slug=DEFAULT_ORG_SLUG).values_list("pk", flat=True).first()
    return edition_for(org_id).edition if org_id else Edition.CE


class ServiceInfoView(PublicView):
    @extend_schema(
        summary="Service information",
        responses=inline_serializer(
            "ServiceInfo",
            {
                "service": serializers.CharField(),
                "status": serializers.CharField(),
                "edition": serializers.CharField(),
                "docs": serializers.CharField(),
            },
        ),
    )
    def get(self, request):
        return Response(
            {"service": SERVICE, "status": "ok", "edition": _platform_edition(), "docs": "/health"}
        )


HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded"]),
        "checks": serializers.DictField(child=serializers.CharField()),
        "uptime": serializers.FloatField(),
        "timestamp": serializers.DateTimeField(),
    },
)


class HealthView(PublicView):
    @extend_schema(
        summary="Liveness of the API, database, Docker engine and task broker",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        healthy, body = health.report()
        return Response(body, status=200 if healthy else 503)


class SourceView(PublicView):
    @extend_schema(
        summary="Where this build's source can be obtained",
        responses=inline_serializer(
            "Source",
            {
                "name": serializers.CharField(),
                "edition": serializers.CharField(),
                "version": serializers.CharField(),
                "source": serializers.CharField(allow_null=True),
                "notice": serializers.CharField(),
            },
        ),
    )
    def get(self, request):
        return Response(
            {
                "name": "cockpit",
                "edition": "community",
                "version": settings.SPECTACULAR_SETTINGS["VERSION"],
                "source": settings.SOURCE_URL or None,
                "notice": "Cockpit is a clean-room build; ask your operator for its source.",
            }
        )


class ApiHealthView(APIView):
    permission_classes = [RolePermission]  # any role; no token answers 401
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Authenticated service status",
        responses=inline_serializer(
            "ApiHealth",
            {
                "status": serializers.CharField(),
                "service": serializers.CharField(),
                "serverName": serializers.CharField(),
                "authMode": serializers.CharField(),
                "uptime": serializers.FloatField(),
                "sseClients": serializers.IntegerField(),
                "timestamp": serializers.DateTimeField(),
            },
        ),
    )
    def get(self, request):
        return Response(
            {
                "status": "ok",
                "service": SERVICE,
                "serverName": settings.SERVER_NAME,
                "authMode": settings.AUTH_MODE,
                "uptime": health.uptime_seconds(),
                "sseClients": stream_clients.count(),
                "timestamp": health.now_iso(),
            }
        )


class ExtensionInfoView(APIView):
    """`GET /api/ext/<name>/`: what an installed extension is."""

    extension = ""

    @extend_schema(
        summary="Extension information",
        responses=inline_serializer(
            "ExtensionInfo",
            {"extension": serializers.CharField(), "installed": serializers.BooleanField()},
        ),
    )
    def get(self, request):
        names = [extension.name for extension in registered()]
        return Response({"extension": self.extension, "installed": self.extension in names})
