"""Encryption of integration configs at rest (fixes spec §14.38).

Key ring: every entry of INTEGRATIONS_KEY (comma-separated, newest first) plus, last and for
decryption only, a key derived from JWT_SECRET. The first entry encrypts; every entry decrypts
(cryptography's MultiFernet: AES-128-CBC + HMAC-SHA256, authenticated). So:

- rotating JWT_SECRET does not touch configs once INTEGRATIONS_KEY is set;
- a new key goes FIRST in INTEGRATIONS_KEY with the old ones kept after it, then
  `manage.py rotate_integration_keys` re-encrypts every row with it and the old ones can go;
- without INTEGRATIONS_KEY the JWT-derived key encrypts (the embedded default works out of the
  box, as the original did), and setting INTEGRATIONS_KEY later keeps those rows readable
  until the rotation command re-encrypts them.

An entry is either a Fernet key (`manage.py rotate_integration_keys --generate-key` prints
one) or any other high-entropy string, which HKDF-SHA256 (with a fixed salt and a purpose
label) turns into one. The JWT-derived key goes through the same HKDF with its own label, so
it is never the JWT signing key itself.
"""

import base64
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_SALT = b"cockpit/integrations/config-encryption"
CONFIGURED_KEY_INFO = b"integrations key v1"
JWT_DERIVED_KEY_INFO = b"integrations key derived from JWT_SECRET v1"
UNDECRYPTABLE = "Config cannot be decrypted with the configured keys (INTEGRATIONS_KEY)"


class ConfigUndecryptable(Exception):
    def __init__(self):
        super().__init__(UNDECRYPTABLE)
        self.message = UNDECRYPTABLE


def _hkdf(material: bytes, info: bytes) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=info).derive(material)
    return base64.urlsafe_b64encode(derived)


def _as_fernet_key(entry: str) -> bytes:
    """A Fernet key as given, else one derived from the text."""
    raw = entry.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except ValueError:
        pass
    return _hkdf(raw, CONFIGURED_KEY_INFO)


def generate_key() -> str:
    return Fernet.generate_key().decode()


@cache
def _ring(configured: tuple[str, ...], jwt_secret: str) -> MultiFernet:
    keys = [Fernet(_as_fernet_key(entry)) for entry in configured if entry.strip()]
    if jwt_secret:
        keys.append(Fernet(_hkdf(jwt_secret.encode(), JWT_DERIVED_KEY_INFO)))
    if not keys:
        raise RuntimeError("No integrations key: set INTEGRATIONS_KEY or JWT_SECRET")
    return MultiFernet(keys)


def key_ring() -> MultiFernet:
    """The ring for the current settings (rebuilt when they change, e.g. in tests)."""
    return _ring(tuple(settings.INTEGRATIONS_KEY), settings.JWT_SECRET)


def encrypt_config(config: dict) -> str:
    plaintext = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    return key_ring().encrypt(plaintext).decode()


def decrypt_config(token: str) -> dict:
    """Raises ConfigUndecryptable when no key of the ring opens the token."""
    try:
        plaintext = key_ring().decrypt(token.encode())
    except (InvalidToken, ValueError, TypeError):
        raise ConfigUndecryptable() from None
    config = json.loads(plaintext)
    if not isinstance(config, dict):
        raise ConfigUndecryptable()
    return config


def reencrypt(token: str) -> str:
    """The token re-encrypted with the newest key (raises ConfigUndecryptable)."""
    try:
        return key_ring().rotate(token.encode()).decode()
    except (InvalidToken, ValueError, TypeError):
        raise ConfigUndecryptable() from None


def rotate_rows(rows, field: str, *, dry_run: bool = False) -> dict:
    """Re-encrypt the sealed text in `field` of every row of the queryset `rows` with the
    newest key. Returns counts and the ids of rows no configured key opens (left untouched);
    a row changed meanwhile is left as it now is (its writer used the newest key)."""
    rotated, undecryptable = 0, []
    for pk, sealed in rows.exclude(**{field: ""}).values_list("pk", field).iterator():
        try:
            token = reencrypt(sealed)
        except ConfigUndecryptable:
            undecryptable.append(str(pk))
            continue
        if not dry_run:
            rows.model.objects.filter(pk=pk, **{field: sealed}).update(**{field: token})
        rotated += 1
    return {"rotated": rotated, "undecryptable": undecryptable}


def rotate_all(*, dry_run: bool = False) -> dict:
    """Re-encrypt every integration config with the newest key."""
    from core.integrations.models import Integration

    result = rotate_rows(Integration.objects.all(), "encrypted_config", dry_run=dry_run)
    return {**result, "dryRun": dry_run}
