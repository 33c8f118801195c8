"""The production URLconf plus two ceiling views, mounted only in the benchmark's web process.

- `/bench/ceiling?bytes=N`: a plain Django view answering a fixed JSON body of N bytes. The
  cheapest answer this server gives through the same middleware: the benchmark's yardstick.
- `/bench/ceiling-auth?bytes=N`: the same body behind a DRF view with the project's bearer
  authentication and role check, for reference.
"""

import functools
import json

from django.http import HttpResponse
from django.urls import path
from rest_framework.views import APIView

from cockpit import urls as cockpit_urls

DEFAULT_BYTES = 40_000


@functools.cache
def fixed_body(size: int) -> bytes:
    padding = max(0, size - len(json.dumps({"containers": ""})))
    return json.dumps({"containers": "x" * padding}).encode()


def _size(request) -> int:
    try:
        return min(max(int(request.GET.get("bytes", DEFAULT_BYTES)), 0), 10_000_000)
    except ValueError:
        return DEFAULT_BYTES


def ceiling(request):
    return HttpResponse(fixed_body(_size(request)), content_type="application/json")


class AuthenticatedCeiling(APIView):
    roles = {"get": "viewer"}

    def get(self, request):
        return HttpResponse(fixed_body(_size(request)), content_type="application/json")


urlpatterns = [
    path("bench/ceiling", ceiling),
    path("bench/ceiling-auth", AuthenticatedCeiling.as_view()),
    *cockpit_urls.urlpatterns,
]

handler400 = cockpit_urls.handler400
handler403 = cockpit_urls.handler403
handler404 = cockpit_urls.handler404
handler500 = cockpit_urls.handler500
