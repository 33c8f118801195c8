"""A stand-in destructive endpoint that opts into the strict rate limit."""

from django.urls import include, path
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.http.ratelimit import StrictRateLimit


class DestructiveView(TenantAPIView):
    roles = {"get": Role.VIEWER, "post": Role.OPERATOR}
    throttle_classes = [StrictRateLimit]

    def get(self, request):
        return Response({"state": "running"})

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("test/destroy", DestructiveView.as_view()),
    path("", include("tests.urls")),
]
