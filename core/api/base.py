"""Base views for tenant endpoints: authenticated, role-checked, scoped to one organisation."""

from functools import cached_property

from rest_framework import exceptions
from rest_framework.views import APIView

from core.accounts.models import Organization
from core.accounts.permissions import RolePermission
from core.hosts.models import DockerHost


class HostNotFound(exceptions.NotFound):
    default_detail = "Host not found"


class TenantAPIView(APIView):
    """`roles` maps an action or lower-case method to the minimum role, e.g.
    `roles = {"get": Role.VIEWER, "post": Role.OPERATOR}`. Unsafe methods left out need admin."""

    permission_classes = [RolePermission]
    roles: dict[str, str] = {}

    @cached_property
    def org(self) -> Organization:
        org = Organization.objects.filter(pk=self.request.user.org_id).first()
        if org is None:  # deleted while the caller's access token was still valid
            raise exceptions.AuthenticationFailed("Invalid token")
        return org

    def get_host(self) -> DockerHost:
        """The host named by `?host=<slug>`, else the organisation's default host."""
        hosts = DockerHost.objects.filter(org_id=self.request.user.org_id)
        slug = self.request.query_params.get("host")
        host = hosts.filter(slug=slug).first() if slug else hosts.filter(is_default=True).first()
        if host is None:
            raise HostNotFound()
        return host
