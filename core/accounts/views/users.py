"""`/auth/users`: the people of the caller's organisation (admin only, AUTH_MODE=users)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts import users
from core.accounts.models import Role
from core.accounts.serializers import RoleChangeRequest, UserCreateRequest, user_json
from core.api.base import TenantAPIView
from core.api.body import validated
from core.api.ids import parse_id
from core.audit.services import record


class UsersView(TenantAPIView):
    roles = {"get": Role.ADMIN, "post": Role.ADMIN}

    @extend_schema(summary="List the organisation's users", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        users.require_users_mode()
        return Response({"users": [user_json(m) for m in users.members(request.user.org_id)]})

    @extend_schema(
        summary="Add a user to the organisation",
        request=UserCreateRequest,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        users.require_users_mode()
        body = validated(UserCreateRequest, request)
        membership = users.add_member(
            request.user.org_id, body["email"], body["password"], body["role"]
        )
        record(
            request, "user.create", target=membership.user.email, detail=f"Role: {membership.role}"
        )
        return Response(
            {"id": membership.user_id, "email": membership.user.email, "role": membership.role},
            status=201,
        )


class UserDetailView(TenantAPIView):
    roles = {"delete": Role.ADMIN}

    @extend_schema(summary="Remove a user from the organisation", responses=OpenApiTypes.OBJECT)
    def delete(self, request, user_id: str):
        users.require_users_mode()
        target = parse_id(user_id, "user")
        users.remove_member(request.user.org_id, target, actor=request.user)
        record(request, "user.delete", target=str(target))
        return Response({"ok": True})


class UserRoleView(TenantAPIView):
    roles = {"put": Role.ADMIN}

    @extend_schema(
        summary="Change a user's role", request=RoleChangeRequest, responses=OpenApiTypes.OBJECT
    )
    def put(self, request, user_id: str):
        users.require_users_mode()
        target = parse_id(user_id, "user")
        role = validated(RoleChangeRequest, request)["role"]
        users.change_role(request.user.org_id, target, role)
        record(request, "user.role", target=str(target), detail=f"New role: {role}")
        return Response({"ok": True})
