"""Access tokens (HS256 JWTs from simplejwt) and the hashing of opaque secrets.

The access token carries everything a request needs to know about its caller, so
authentication never touches the database: `sub` (always a string), `kind`, `role`, `org`
(the organisation id, as a string), `email` for people, `sid` (the refresh-token family), plus
simplejwt's `jti`, `iat`, `exp` and `token_type`.
"""

import hashlib
import secrets

from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from core.accounts.models import Role
from core.accounts.principal import API_KEY_SUBJECT_PREFIX, Principal, PrincipalKind

KINDS = {PrincipalKind.USER, PrincipalKind.API_KEY, PrincipalKind.SHARED_KEY}
REFRESH_TOKEN_BYTES = 48  # 96 hex characters, like the original


class InvalidAccessToken(Exception):
    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_refresh_secret() -> str:
    return secrets.token_hex(REFRESH_TOKEN_BYTES)


def issue_access_token(principal: Principal) -> str:
    token = AccessToken()
    token["sub"] = principal.subject
    token["kind"] = principal.kind
    token["role"] = principal.role
    token["org"] = str(principal.org_id)
    if principal.email:
        token["email"] = principal.email
    if principal.session_id:
        token["sid"] = principal.session_id
    return str(token)


def principal_from_access_token(raw: str) -> Principal:
    """Verify signature, algorithm, expiry and type, then read the claims. Raises
    InvalidAccessToken for anything that is not a well-formed, current Cockpit access token."""
    try:
        token = AccessToken(raw)
    except ExpiredTokenError as exc:
        raise InvalidAccessToken(expired=True) from exc
    except TokenError as exc:
        raise InvalidAccessToken() from exc
    try:
        return principal_from_claims(token.payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidAccessToken() from exc


def principal_from_claims(claims: dict) -> Principal:
    kind, subject, role = claims["kind"], claims["sub"], claims["role"]
    if kind not in KINDS or role not in Role.values or not isinstance(subject, str):
        raise ValueError("unexpected claims")
    user_id = api_key_id = None
    if kind == PrincipalKind.USER:
        user_id = int(subject)
    elif kind == PrincipalKind.API_KEY:
        api_key_id = int(subject.removeprefix(API_KEY_SUBJECT_PREFIX))
    return Principal(
        kind=kind,
        subject=subject,
        org_id=int(claims["org"]),
        role=role,
        email=claims.get("email"),
        user_id=user_id,
        api_key_id=api_key_id,
        token_id=claims.get("jti"),
        session_id=claims.get("sid"),
    )
