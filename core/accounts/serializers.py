"""Request bodies of the identity endpoints (strict, like the original's JSON schemas) and the
JSON shapes of users and API keys."""

from django.core.validators import EmailValidator
from rest_framework import serializers

from core.accounts.models import ApiKey, Membership, Role
from core.api.body import NameField, StrictCharField, StrictSerializer

EMAIL_FORMAT = EmailValidator(message='must match format "email"')


def email_field(**kwargs):
    return StrictCharField(max_length=256, validators=[EMAIL_FORMAT], **kwargs)


class TokenRequest(StrictSerializer):
    apiKey = StrictCharField(min_length=1, max_length=256)


class LoginRequest(StrictSerializer):
    email = email_field()
    password = StrictCharField(min_length=1, max_length=256)
    org = StrictCharField(min_length=1, max_length=64, required=False)


class RefreshRequest(StrictSerializer):
    refreshToken = StrictCharField(min_length=1, max_length=512)


class PasswordChangeRequest(StrictSerializer):
    currentPassword = StrictCharField(min_length=1, max_length=256)
    newPassword = StrictCharField(min_length=8, max_length=256)


class UserCreateRequest(StrictSerializer):
    email = email_field()
    password = StrictCharField(min_length=8, max_length=256)
    role = StrictCharField(max_length=32)


class RoleChangeRequest(StrictSerializer):
    role = serializers.JSONField(
        allow_null=True
    )  # not schema-checked upstream: any value gets "Invalid role"


class ApiKeyCreateRequest(StrictSerializer):
    name = NameField(min_length=1, max_length=128)
    role = StrictCharField(max_length=32, required=False, default=Role.VIEWER)


def user_json(membership: Membership) -> dict:
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "role": membership.role,
        "created_at": user.date_joined,
        "last_login": user.last_login,
    }


def api_key_json(api_key: ApiKey) -> dict:
    return {
        "id": api_key.pk,
        "name": api_key.name,
        "prefix": api_key.prefix,
        "role": api_key.role,
        "createdBy": api_key.created_by.email if api_key.created_by else None,
        "createdAt": api_key.created_at,
        "lastUsedAt": api_key.last_used_at,
        "revokedAt": api_key.revoked_at,
        "active": api_key.revoked_at is None,
    }
