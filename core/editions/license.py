"""Offline licence verification (spec §11.3).

A licence is a JWT signed with our licensing key (RS256 or EdDSA), verified against the public
key in LICENSE_PUBLIC_KEY (PEM text or a file path) with issuer `lagoon-cockpit-licensing` and
audience `lagoon-cockpit-api`. Expiry is not a verification failure: the caller decides what an
expired licence still grants (the 14-day grace). Failures carry a fixed reason and never the
licence text, so they can be logged.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings

from core.editions.registry import is_edition, is_feature

ISSUER = "lagoon-cockpit-licensing"
AUDIENCE = "lagoon-cockpit-api"
GRACE_PERIOD = timedelta(days=14)
LICENSE_FILE_NAME = "license.key"
PEM_MARKER = "-----BEGIN"

_REASONS: list[tuple[type[Exception], str]] = [
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidAlgorithmError, "signing algorithm not accepted"),
    (jwt.ImmatureSignatureError, "not valid yet"),
    (jwt.DecodeError, "malformed licence"),
]


class LicenseError(Exception):
    """Why a licence was not accepted: a short reason safe to log."""


@dataclass(frozen=True)
class License:
    """The claims of a verified licence."""

    edition: str
    features: tuple[str, ...] | None  # None: the edition's registry features
    limits: Mapping | None  # None: the edition's default limits; else replaces them
    org: str | None
    customer: str | None  # the `sub` claim
    expires_at: datetime | None  # None: perpetual


@dataclass(frozen=True)
class Standing:
    """What a licence grants at one moment."""

    active: bool
    grace_mode: bool = False
    grace_days_left: int | None = None


def load_public_key(value: str):
    """The verification key from LICENSE_PUBLIC_KEY: PEM text (literal `\\n` allowed, as
    environment files often carry it) or the path of a PEM file."""
    if not value.strip():
        raise LicenseError("LICENSE_PUBLIC_KEY is not set")
    if PEM_MARKER in value:
        pem = value.replace("\\n", "\n").strip().encode()
    else:
        try:
            pem = Path(value.strip()).read_bytes()
        except OSError as exc:
            raise LicenseError(f"cannot read LICENSE_PUBLIC_KEY file ({exc.strerror})") from exc
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise LicenseError("LICENSE_PUBLIC_KEY is not a PEM public key") from exc
    if not isinstance(key, RSAPublicKey | Ed25519PublicKey):
        raise LicenseError("LICENSE_PUBLIC_KEY must be an RSA or Ed25519 key")
    return key


def _algorithms_for(key) -> list[str]:
    return ["RS256"] if isinstance(key, RSAPublicKey) else ["EdDSA"]


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim {exc.claim}"
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return f"invalid licence ({exc.__class__.__name__})"


def _limits(value: object) -> Mapping | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(name, str)
        and (item is None or (isinstance(item, int | float) and not isinstance(item, bool)))
        for name, item in value.items()
    ):
        raise LicenseError("claim limits must map names to numbers")
    return {name: item for name, item in value.items() if item is not None}


def _features(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LicenseError("claim features must be a list of names")
    return tuple(dict.fromkeys(item for item in value if is_feature(item)))


def _optional_text(claims: Mapping, name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise LicenseError(f"claim {name} must be a string")
    return value or None


def _expiry(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise LicenseError("claim exp must be a number")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise LicenseError("claim exp is out of range") from exc


def verify(token: str, public_key) -> License:
    """The licence's claims if its signature, issuer and audience check out."""
    try:
        claims = jwt.decode(
            token.strip(),
            public_key,
            algorithms=_algorithms_for(public_key),
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["iss", "aud"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise LicenseError(_reason(exc)) from exc
    except (ValueError, TypeError) as exc:  # odd inputs the library does not wrap
        raise LicenseError("malformed licence") from exc
    edition = claims.get("edition", "ce")
    if not is_edition(edition):
        raise LicenseError("claim edition is not a known edition")
    return License(
        edition=edition,
        features=_features(claims.get("features")),
        limits=_limits(claims.get("limits")),
        org=_optional_text(claims, "org"),
        customer=_optional_text(claims, "sub"),
        expires_at=_expiry(claims.get("exp")),
    )


def standing(license: License, now: datetime) -> Standing:
    """Valid until `exp`; then 14 days of grace (days left rounded up); then nothing."""
    if license.expires_at is None or now <= license.expires_at:
        return Standing(active=True)
    grace_ends = license.expires_at + GRACE_PERIOD
    if now > grace_ends:
        return Standing(active=False)
    days_left = math.ceil((grace_ends - now) / timedelta(days=1))
    return Standing(active=True, grace_mode=True, grace_days_left=days_left)


def license_file() -> Path:
    return Path(settings.DATA_DIR) / LICENSE_FILE_NAME


def installation_license_text() -> str:
    """The deployment-wide licence: LICENSE_KEY, else DATA_DIR/license.key, else empty."""
    if settings.LICENSE_KEY.strip():
        return settings.LICENSE_KEY.strip()
    try:
        return license_file().read_text().strip()
    except (OSError, UnicodeDecodeError):
        return ""
