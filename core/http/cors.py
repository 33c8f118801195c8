"""CORS (spec §10.3): django-cors-headers with the allow-list from CORS_ORIGINS (settings), and
every OPTIONS request answered 204 here, before rate limiting, authentication or any view."""

from corsheaders.middleware import CorsMiddleware as BaseCorsMiddleware
from django.http import HttpResponse


class CorsMiddleware(BaseCorsMiddleware):
    def check_preflight(self, request):
        super().check_preflight(request)  # records whether CORS applies to the path
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            del response["Content-Type"]  # no body, so no type
            return response
        return None
