"""Test-only routes, mounted in front of the real URLconf (see tests/settings.py)."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class EchoView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        return Response(request.data)


def boom(request):
    raise RuntimeError("secret detail that must never reach the client")


urlpatterns = [
    path("test/echo", EchoView.as_view()),
    path("test/boom", boom),
    path("", include("cockpit.urls")),
]

handler400 = "core.http.errors.bad_request"
handler403 = "core.http.errors.permission_denied"
handler404 = "core.http.errors.page_not_found"
handler500 = "core.http.errors.server_error"
