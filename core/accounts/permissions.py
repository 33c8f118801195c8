"""Role checks. Each view declares the minimum role per action or method; fail closed."""

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.accounts.models import Role

MISSING_AUTH = "Missing or invalid Authorization header"
INSUFFICIENT = "Insufficient permissions"


def required_role(request, view) -> str:
    """The minimum role for this request: the view's `roles` entry for its action (viewsets)
    or lower-case method; undeclared safe methods need viewer, undeclared unsafe ones admin."""
    roles: dict[str, str] = getattr(view, "roles", {})
    action = getattr(view, "action", None)
    if action and action in roles:
        return roles[action]
    method = request.method.lower()
    if method in roles:
        return roles[method]
    return Role.VIEWER if request.method in SAFE_METHODS else Role.ADMIN


class RolePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not getattr(principal, "is_authenticated", False):
            raise exceptions.NotAuthenticated(MISSING_AUTH)
        if not principal.has_role(required_role(request, view)):
            raise exceptions.PermissionDenied(INSUFFICIENT)
        return True
