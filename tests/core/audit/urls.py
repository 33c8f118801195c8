"""A stand-in mutating tenant endpoint that writes a semantic audit row."""

from django.urls import include, path
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.audit.services import record


class WidgetView(TenantAPIView):
    roles = {"post": Role.OPERATOR}

    def post(self, request):
        record(request, "widget.create", target="widget-1", detail={"size": 3})
        return Response({"ok": True}, status=201)


urlpatterns = [
    path("test/widgets", WidgetView.as_view()),
    path("", include("tests.urls")),
]
