"""Sessions: an access token plus a chain ("family") of one-time refresh tokens.

Refresh tokens are opaque random strings; only their SHA-256 is stored. Each refresh consumes
the presented row and issues the next one in the same family. Presenting a consumed or revoked
row again means someone replayed it, so the whole family is revoked. The caller's identity is
re-read on every refresh: a demoted, removed or deactivated user, or a revoked API key, gets the
new role or nothing at the next refresh.

The fingerprint binds a family to the client's User-Agent only (spec §14.4: an IP in it logged a
phone out on every network change); a mismatch revokes that family and no other.
"""

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.accounts import credentials
from core.accounts.models import ApiKey, Membership, RefreshToken, User
from core.accounts.principal import (
    Principal,
    PrincipalKind,
    api_key_principal,
    shared_key_principal,
    user_principal,
)
from core.accounts.tokens import issue_access_token, new_refresh_secret, sha256_hex


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    principal: Principal


class RefreshRejected(Exception):
    """The refresh token is unknown, expired, replayed, revoked or its principal is gone.
    `account` names the principal when the token was recognised (for the lockout)."""

    def __init__(self, reason: str, account: str | None = None):
        super().__init__(reason)
        self.account = account


def fingerprint(user_agent: str | None) -> str:
    return hashlib.sha256((user_agent or "unknown").encode()).hexdigest()[:16]


def start(principal: Principal, client_fingerprint: str) -> TokenPair:
    """A new session (family) for a principal that just proved its credentials."""
    return _issue(principal, uuid.uuid4(), client_fingerprint)


def _issue(principal: Principal, family: uuid.UUID, client_fingerprint: str) -> TokenPair:
    secret = new_refresh_secret()
    RefreshToken.objects.create(
        token_hash=sha256_hex(secret),
        family=family,
        kind=principal.kind,
        user_id=principal.user_id,
        api_key_id=principal.api_key_id,
        org_id=principal.org_id,
        role=principal.role,
        fingerprint=client_fingerprint,
        expires_at=timezone.now() + settings.REFRESH_TOKEN_LIFETIME,
    )
    principal = replace(principal, session_id=str(family))
    return TokenPair(issue_access_token(principal), secret, principal)


def rotate(secret: str, client_fingerprint: str) -> TokenPair:
    """Consume a refresh token and issue the next pair, or raise RefreshRejected."""
    row = RefreshToken.objects.filter(token_hash=sha256_hex(secret)).first()
    if row is None:
        raise RefreshRejected("unknown")
    account = account_of(row)
    moment = timezone.now()
    if row.used_at is not None or row.revoked_at is not None:
        revoke_family(row.family)
        raise RefreshRejected("replayed", account)
    if row.fingerprint and row.fingerprint != client_fingerprint:
        revoke_family(row.family)
        raise RefreshRejected("fingerprint", account)
    # Claim the row atomically: of two concurrent refreshes with one token, one wins and the
    # other is treated as a replay.
    claimed = RefreshToken.objects.filter(
        pk=row.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(used_at=moment)
    if not claimed:
        revoke_family(row.family)
        raise RefreshRejected("replayed", account)
    if row.expires_at <= moment:
        raise RefreshRejected("expired", account)
    principal = current_principal(row)
    if principal is None:
        revoke_family(row.family)
        raise RefreshRejected("principal gone", account)
    return _issue(principal, row.family, client_fingerprint)


def current_principal(row: RefreshToken) -> Principal | None:
    """Who the session belongs to *now*, or None when it may no longer be used."""
    if row.kind == PrincipalKind.USER:
        if settings.AUTH_MODE != "users":
            return None
        membership = (
            Membership.objects.select_related("user")
            .filter(user_id=row.user_id, org_id=row.org_id, user__is_active=True)
            .first()
        )
        return user_principal(membership.user, membership) if membership else None
    if row.kind == PrincipalKind.API_KEY:
        api_key = ApiKey.objects.filter(
            pk=row.api_key_id, org_id=row.org_id, revoked_at__isnull=True
        ).first()
        if api_key is None:
            return None
        credentials.touch_api_key(api_key)
        return api_key_principal(api_key)
    if row.kind == PrincipalKind.SHARED_KEY:
        if not credentials.shared_key_enabled():
            return None
        return shared_key_principal(row.org_id)
    return None


def account_of(row: RefreshToken) -> str | None:
    """The lockout account of a recognised token (as credentials.py names accounts)."""
    if row.kind == PrincipalKind.USER and row.user_id:
        email = User.objects.filter(pk=row.user_id).values_list("email", flat=True).first()
        return credentials.user_account(email) if email else None
    if row.kind == PrincipalKind.API_KEY and row.api_key_id:
        prefix = ApiKey.objects.filter(pk=row.api_key_id).values_list("prefix", flat=True).first()
        return credentials.api_key_prefix_account(prefix) if prefix else None
    return None


def _live(queryset):
    return queryset.filter(revoked_at__isnull=True, used_at__isnull=True)


def revoke_family(family) -> int:
    return _live(RefreshToken.objects.filter(family=family)).update(revoked_at=timezone.now())


def end(secret: str) -> None:
    """Logout: revoke the family of this refresh token (unknown tokens are ignored)."""
    row = RefreshToken.objects.filter(token_hash=sha256_hex(secret)).only("family").first()
    if row is not None:
        revoke_family(row.family)


def revoke_user(user_id: int, org_id: int | None = None, keep_family: str | None = None) -> int:
    """Revoke a user's sessions (in one organisation, or everywhere), except `keep_family`."""
    rows = _live(RefreshToken.objects.filter(user_id=user_id))
    if org_id is not None:
        rows = rows.filter(org_id=org_id)
    if keep_family:
        rows = rows.exclude(family=keep_family)
    return rows.update(revoked_at=timezone.now())


def revoke_api_key(api_key_id: int) -> int:
    return _live(RefreshToken.objects.filter(api_key_id=api_key_id)).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def prune(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete refresh rows that expired more than `older_than` ago (kept a little while so a
    replay of a just-expired token is still recognised)."""
    deleted, _ = RefreshToken.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
