"""Who is asking: the identity every authenticated request carries as `request.user`.

Built from the access token's claims alone (no database round trip on hot paths). DRF copies it
to the underlying Django request, so middleware sees it after the view ran.
"""

from dataclasses import dataclass

from core.accounts.models import ROLE_RANK, Role

API_KEY_SUBJECT_PREFIX = "apikey:"
SHARED_KEY_SUBJECT = "admin"  # the original's implicit admin of AUTH_MODE=key


class PrincipalKind:
    USER = "user"  # a person logged in with email/password (AUTH_MODE=users)
    API_KEY = "api_key"  # a per-organisation API key
    SHARED_KEY = "shared_key"  # the single API_KEY of AUTH_MODE=key (admin of the default org)


@dataclass(frozen=True)
class Principal:
    kind: str
    subject: str  # the token's `sub`: user id, "apikey:<id>", or "admin" for the shared key
    org_id: int
    role: str
    email: str | None = None
    user_id: int | None = None
    api_key_id: int | None = None
    token_id: str | None = None  # the access token's `jti`
    session_id: str | None = None  # the refresh-token family the access token came from

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK.get(Role(self.role), -1) >= ROLE_RANK[Role(minimum)]

    @property
    def audit_name(self) -> str:
        """How audit rows name this principal (email for people, else the subject)."""
        return self.email or self.subject


def user_principal(user, membership) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        subject=str(user.pk),
        org_id=membership.org_id,
        role=membership.role,
        email=user.email,
        user_id=user.pk,
    )


def api_key_principal(api_key) -> Principal:
    return Principal(
        kind=PrincipalKind.API_KEY,
        subject=f"{API_KEY_SUBJECT_PREFIX}{api_key.pk}",
        org_id=api_key.org_id,
        role=api_key.role,
        api_key_id=api_key.pk,
    )


def shared_key_principal(org_id: int) -> Principal:
    return Principal(
        kind=PrincipalKind.SHARED_KEY,
        subject=SHARED_KEY_SUBJECT,
        org_id=org_id,
        role=Role.ADMIN,
    )
