"""`Authorization: Bearer <jwt>` for DRF: the caller's Principal, from the token's claims alone."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from core.accounts.permissions import MISSING_AUTH
from core.accounts.tokens import InvalidAccessToken, principal_from_access_token

TOKEN_EXPIRED = "Token expired"  # noqa: S105 (a message, not a secret)
INVALID_TOKEN = "Invalid token"  # noqa: S105
SCHEME = "Bearer "


class BearerTokenAuthentication(BaseAuthentication):
    """No header: anonymous (the permission answers 401 where a token is needed). A header that
    is not a bearer token, or a token that does not verify, is refused outright."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        if not header.startswith(SCHEME) or not header[len(SCHEME) :].strip():
            raise exceptions.AuthenticationFailed(MISSING_AUTH)
        raw = header[len(SCHEME) :].strip()
        try:
            principal = principal_from_access_token(raw)
        except InvalidAccessToken as exc:
            raise exceptions.AuthenticationFailed(
                TOKEN_EXPIRED if exc.expired else INVALID_TOKEN
            ) from exc
        return principal, raw

    def authenticate_header(self, request) -> str:
        # A value here makes DRF answer 401 (not 403) when a token is missing.
        return "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how BearerTokenAuthentication works."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
