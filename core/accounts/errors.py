"""Errors of the identity domain, raised by services and rendered as `{"error": ...}`."""

import json

from rest_framework import exceptions, status


class AccountError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST


class UsersModeRequired(AccountError):
    default_detail = "User management requires AUTH_MODE=users"


class UserExists(AccountError):
    default_detail = "User already exists"


class InvalidRole(AccountError):
    def __init__(self, role):
        shown = role if isinstance(role, str) else json.dumps(role)
        super().__init__(f"Invalid role: {shown}")


class CannotDeleteSelf(AccountError):
    default_detail = "Cannot delete your own account"


class NotAPerson(AccountError):
    default_detail = "Only user accounts have a password"


class WrongCurrentPassword(AccountError):
    default_detail = "Current password is incorrect"


class LastAdmin(AccountError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Cannot remove the last admin of the organization"


class UserNotFound(exceptions.NotFound):
    default_detail = "User not found"


class ApiKeyNotFound(exceptions.NotFound):
    default_detail = "API key not found"
