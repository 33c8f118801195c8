"""Managing the people of one organisation: add, remove, change role, change password.

A user is global (one e-mail, one password); what an organisation owns is the membership.
Removing a user from an organisation deletes the membership, and the user too when no other
organisation knows them. Every change that lowers what a user may do revokes their sessions in
that organisation, and an organisation always keeps at least one admin.
"""

from django.conf import settings
from django.db import transaction
from rest_framework import exceptions

from core.accounts import errors, sessions
from core.accounts.models import Membership, Role, User
from core.accounts.passwords import password_problem
from core.accounts.principal import Principal
from core.editions.gates import enforce_limit


def require_users_mode() -> None:
    if settings.AUTH_MODE != "users":
        raise errors.UsersModeRequired()


def check_role(role: str) -> str:
    if role not in Role.values:
        raise errors.InvalidRole(role)
    return role


def check_password_strength(password: str, user: User | None = None, field: str = "password"):
    problem = password_problem(password, user)
    if problem:
        raise exceptions.ValidationError({field: problem})


def members(org_id: int):
    return Membership.objects.filter(org_id=org_id).select_related("user").order_by("user__id")


def _membership(org_id: int, user_id: int, for_update: bool = False) -> Membership:
    rows = Membership.objects.select_related("user")
    if for_update:
        rows = rows.select_for_update()
    membership = rows.filter(org_id=org_id, user_id=user_id).first()
    if membership is None:
        raise errors.UserNotFound()
    return membership


def _guard_last_admin(membership: Membership) -> None:
    if membership.role != Role.ADMIN:
        return
    admins = Membership.objects.select_for_update().filter(
        org_id=membership.org_id, role=Role.ADMIN
    )
    if len(admins) <= 1:
        raise errors.LastAdmin()


@transaction.atomic
def add_member(org_id: int, email: str, password: str, role: str) -> Membership:
    check_role(role)
    enforce_limit(org_id, "users", Membership.objects.filter(org_id=org_id).count())
    email = User.objects.normalize_email(email).strip().lower()
    check_password_strength(password, User(email=email))
    if User.objects.filter(email=email).exists():
        raise errors.UserExists()
    user = User.objects.create_user(email=email, password=password)
    return Membership.objects.create(user=user, org_id=org_id, role=role)


@transaction.atomic
def remove_member(org_id: int, user_id: int, actor: Principal) -> None:
    if actor.user_id is not None and actor.user_id == user_id:
        raise errors.CannotDeleteSelf()
    membership = _membership(org_id, user_id, for_update=True)
    _guard_last_admin(membership)
    user = membership.user
    membership.delete()
    sessions.revoke_user(user.pk, org_id=org_id)
    if not user.is_staff and not user.memberships.exists():
        user.delete()


@transaction.atomic
def change_role(org_id: int, user_id: int, role: str) -> Membership:
    check_role(role)
    membership = _membership(org_id, user_id, for_update=True)
    if membership.role == role:
        return membership
    if role != Role.ADMIN:
        _guard_last_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    sessions.revoke_user(user_id, org_id=org_id)
    return membership


def change_password(principal: Principal, current: str, new: str) -> None:
    """Raises WrongCurrentPassword (the caller counts it as a failed attempt)."""
    if principal.user_id is None:
        raise errors.NotAPerson()
    user = User.objects.filter(pk=principal.user_id, is_active=True).first()
    if user is None:
        raise exceptions.AuthenticationFailed("Invalid token")
    if not user.check_password(current):
        raise errors.WrongCurrentPassword()
    check_password_strength(new, user, field="newPassword")
    user.set_password(new)
    user.save(update_fields=["password"])
    # Every other session of this person, in every organisation, ends with the old password.
    sessions.revoke_user(user.pk, keep_family=principal.session_id)
