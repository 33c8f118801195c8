"""`/auth/token`, `/auth/login`, `/auth/refresh`, `/auth/logout`, `/auth/me`, `/auth/me/password`.

The three credential endpoints check the lockout first (before reading the body, like the
original), count every failed proof, and clear the counters on success.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts import credentials, errors, lockout, sessions, users
from core.accounts.models import Role
from core.accounts.serializers import (
    LoginRequest,
    PasswordChangeRequest,
    RefreshRequest,
    TokenRequest,
)
from core.api.base import TenantAPIView
from core.api.body import validated
from core.api.views import PublicView
from core.audit.services import record
from core.http.client_ip import client_ip
from core.http.errors import error_response

INVALID_API_KEY = "Invalid API key"
INVALID_CREDENTIALS = "Invalid credentials"
INVALID_REFRESH = "Invalid or expired refresh token"
USE_LOGIN = "Use /auth/login for user-based auth"
USE_TOKEN = "Use /auth/token for API key auth"  # noqa: S105 (a message)
NOT_A_MEMBER = "Not a member of this organization"


def locked():
    response = error_response(lockout.LOCKED_MESSAGE, 429)
    response["Retry-After"] = str(lockout.WINDOW_SECONDS)
    return response


def _client_fingerprint(request) -> str:
    return sessions.fingerprint(request.META.get("HTTP_USER_AGENT"))


def _tokens(pair: sessions.TokenPair) -> dict:
    return {"accessToken": pair.access_token, "refreshToken": pair.refresh_token}


class TokenView(PublicView):
    @extend_schema(
        summary="Exchange an API key for tokens",
        request=TokenRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        ip = client_ip(request)
        if lockout.is_locked(ip=ip):
            return locked()
        secret = validated(TokenRequest, request)["apiKey"]
        account = credentials.api_key_account(secret)
        if account and lockout.is_locked(account=account):
            return locked()
        try:
            principal = credentials.authenticate_api_key(secret)
        except credentials.WrongAuthMode:
            return error_response(USE_LOGIN, 400)
        except credentials.InvalidApiKey:
            lockout.record_failure(ip=ip, account=account)
            return error_response(INVALID_API_KEY, 401)
        lockout.clear(ip=ip, account=account)
        pair = sessions.start(principal, _client_fingerprint(request))
        record(
            request,
            "auth.token",
            detail="API key authentication",
            user_id=principal.audit_name,
            org=principal.org_id,
        )
        return Response(
            {**_tokens(pair), "role": principal.role, "serverName": settings.SERVER_NAME}
        )


class LoginView(PublicView):
    @extend_schema(
        summary="Log in with e-mail and password",
        request=LoginRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        ip = client_ip(request)
        if lockout.is_locked(ip=ip):
            return locked()
        body = validated(LoginRequest, request)
        if settings.AUTH_MODE != "users":
            return error_response(USE_TOKEN, 400)
        account = credentials.user_account(body["email"])
        if lockout.is_locked(account=account):
            return locked()
        try:
            principal = credentials.authenticate_user(
                body["email"], body["password"], body.get("org")
            )
        except credentials.InvalidCredentials:
            lockout.record_failure(ip=ip, account=account)
            return error_response(INVALID_CREDENTIALS, 401)
        except credentials.NotAMember:
            lockout.clear(ip=ip, account=account)
            return error_response(NOT_A_MEMBER, 403)
        lockout.clear(ip=ip, account=account)
        pair = sessions.start(principal, _client_fingerprint(request))
        record(
            request,
            "auth.login",
            detail=f"User login: {principal.email}",
            user_id=principal.audit_name,
            org=principal.org_id,
        )
        return Response(
            {
                **_tokens(pair),
                "role": principal.role,
                "email": principal.email,
                "serverName": settings.SERVER_NAME,
            }
        )


class RefreshView(PublicView):
    @extend_schema(
        summary="Trade a refresh token for a new pair (one-time use)",
        request=RefreshRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        ip = client_ip(request)
        if lockout.is_locked(ip=ip):
            return locked()
        secret = validated(RefreshRequest, request)["refreshToken"]
        try:
            pair = sessions.rotate(secret, _client_fingerprint(request))
        except sessions.RefreshRejected as exc:
            lockout.record_failure(ip=ip, account=exc.account)
            return error_response(INVALID_REFRESH, 401)
        lockout.clear(ip=ip)
        return Response({**_tokens(pair), "role": pair.principal.role})


class LogoutView(PublicView):
    @extend_schema(
        summary="End the session a refresh token belongs to",
        request=RefreshRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        sessions.end(validated(RefreshRequest, request)["refreshToken"])
        return Response({"ok": True})


class MeView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(summary="Who the token belongs to", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        principal, org = request.user, self.org
        return Response(
            {
                "id": principal.user_id,
                "sub": principal.subject,
                "kind": principal.kind,
                "email": principal.email,
                "role": principal.role,
                "org": {"id": org.pk, "slug": org.slug, "name": org.name, "edition": org.edition},
            }
        )


class PasswordView(TenantAPIView):
    roles = {"put": Role.VIEWER}

    @extend_schema(
        summary="Change your own password",
        request=PasswordChangeRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def put(self, request):
        ip = client_ip(request)
        account = credentials.user_account(request.user.email) if request.user.email else None
        if lockout.is_locked(ip=ip, account=account):
            return locked()
        body = validated(PasswordChangeRequest, request)
        try:
            users.change_password(request.user, body["currentPassword"], body["newPassword"])
        except errors.WrongCurrentPassword:
            lockout.record_failure(ip=ip, account=account)
            raise
        lockout.clear(ip=ip, account=account)
        record(request, "auth.password", target=request.user.email)
        return Response({"ok": True})
