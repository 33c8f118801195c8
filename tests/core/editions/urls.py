"""A stand-in extension view gated on a Pro feature."""

from django.urls import include, path
from rest_framework.response import Response

from core.accounts.permissions import RolePermission
from core.api.base import TenantAPIView
from core.editions.gates import FeatureRequired


class IncidentsView(TenantAPIView):
    permission_classes = [RolePermission, FeatureRequired("incidents")]

    def get(self, request):
        return Response({"incidents": []})


urlpatterns = [
    path("test/incidents", IncidentsView.as_view()),
    path("", include("tests.urls")),
]
