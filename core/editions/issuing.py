"""Making licences: a development key pair and signed licence JWTs (the licensing side).

Production licences are signed with a private key that never sits on a Cockpit server; these
helpers exist for development, tests and self-issued private deployments.
"""

import os
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from core.editions.license import AUDIENCE, ISSUER
from core.editions.registry import is_edition

PRIVATE_KEY_FILE = "license-private.pem"
PUBLIC_KEY_FILE = "license-public.pem"
ALGORITHMS = ("ed25519", "rsa")


def generate_key_pair(algorithm: str = "ed25519") -> tuple[bytes, bytes]:
    """(private PEM, public PEM) for signing licences with EdDSA or RS256."""
    if algorithm == "ed25519":
        private_key = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    else:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}")
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def write_key_pair(directory: Path, algorithm: str, *, overwrite: bool) -> tuple[Path, Path]:
    """Write the pair into `directory`; the private key is created with mode 0600."""
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    if not overwrite and (private_path.exists() or public_path.exists()):
        raise FileExistsError(f"{private_path} or {public_path} already exists")
    private_pem, public_pem = generate_key_pair(algorithm)
    directory.mkdir(parents=True, exist_ok=True)
    private_path.unlink(missing_ok=True)
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(pem: bytes):
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise ValueError("the private key must be an Ed25519 or RSA key")
    return key


def issue_license(
    private_key,
    *,
    edition: str,
    org: str | None = None,
    customer: str | None = None,
    days: float | None = 365,
    limits: dict | None = None,
    features: list[str] | None = None,
    now: float | None = None,
) -> str:
    """A licence JWT signed with `private_key` (EdDSA for Ed25519, RS256 for RSA)."""
    if not is_edition(edition):
        raise ValueError(f"unknown edition {edition!r}")
    issued_at = int(now if now is not None else time.time())
    claims: dict = {"iss": ISSUER, "aud": AUDIENCE, "iat": issued_at, "edition": edition}
    if days is not None:
        claims["exp"] = issued_at + int(days * 86400)
    optional = {"org": org, "sub": customer, "limits": limits, "features": features}
    claims.update({name: value for name, value in optional.items() if value is not None})
    algorithm = "EdDSA" if isinstance(private_key, ed25519.Ed25519PrivateKey) else "RS256"
    return jwt.encode(claims, private_key, algorithm=algorithm)
