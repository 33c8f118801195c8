"""Who is asking: the identity every authenticated request carries as `request.user`.

Built from the access token's claims alone (no database round trip on hot paths). DRF copies it
to the underlying Django request, so middleware sees it after the view ran.
"""

from dataclasses import dataclass

from core.accounts.models import ROLE_RANK, Role


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

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK.get(Role(self.role), -1) >= ROLE_RANK[Role(minimum)]

    @property
    def audit_name(self) -> str:
        """How audit rows name this principal (email for people, else the subject)."""
        return self.email or self.subject
