"""`GET /api/endpoints` and `GET /api/ssl` (any role): live probes of the platform's lists."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.probes import certificates, config, endpoints


class EndpointProbeView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Probe every configured HTTP endpoint (ENDPOINTS) now",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        results = endpoints.probe_all(config.platform_endpoints(), config.PLATFORM_POLICY)
        return Response({"endpoints": results})


class CertificateView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="TLS certificate expiry of every configured host (SSL_DOMAINS)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        results = certificates.check_all(config.platform_domains(), config.PLATFORM_POLICY)
        return Response({"certificates": results})
