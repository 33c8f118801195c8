"""TLS material of `tcp` hosts: the client certificate, its key and the CA that signed the
engine's certificate. Checked when saved (PEM, the key matches the certificate, not expired),
then stored encrypted with the integrations key ring (core.integrations.crypto: INTEGRATIONS_KEY,
else a key derived from JWT_SECRET), never returned by the API."""

from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from rest_framework import exceptions

from core.hosts.models import DockerHost
from core.integrations.crypto import (
    ConfigUndecryptable,
    decrypt_config,
    encrypt_config,
    rotate_rows,
)

FIELDS = {"ca": "tlsCa", "cert": "tlsCert", "key": "tlsKey"}


def _invalid(field: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({FIELDS[field]: message})


def _certificate(text: str, field: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(text.encode())
    except ValueError:
        raise _invalid(field, "must be a PEM certificate") from None


def _public_bytes(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def check_material(ca: str, cert: str, key: str) -> dict:
    """The material as stored, or a 400 naming the field at fault."""
    for field, value in (("ca", ca), ("cert", cert), ("key", key)):
        if not value or not value.strip():
            raise _invalid(field, "is required for a tcp host")
    try:
        authorities = x509.load_pem_x509_certificates(ca.encode())
    except ValueError:
        raise _invalid("ca", "must be one or more PEM certificates") from None
    certificate = _certificate(cert, "cert")
    try:
        private_key = serialization.load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError):
        raise _invalid("key", "must be an unencrypted PEM private key") from None
    if _public_bytes(private_key.public_key()) != _public_bytes(certificate.public_key()):
        raise _invalid("key", "does not match the client certificate")
    now = datetime.now(UTC)
    if certificate.not_valid_after_utc < now:
        raise _invalid("cert", "has expired")
    if all(authority.not_valid_after_utc < now for authority in authorities):
        raise _invalid("ca", "has expired")
    return {"ca": ca, "cert": cert, "key": key}


def seal(material: dict) -> str:
    return encrypt_config(material)


def material_of(sealed: str) -> dict | None:
    """The decrypted material, or None when there is none or no configured key opens it."""
    if not sealed:
        return None
    try:
        return decrypt_config(sealed)
    except ConfigUndecryptable:
        return None


def rotate_all(*, dry_run: bool = False) -> dict:
    """Re-seal every host's material with the newest key (`manage.py rotate_integration_keys`)."""
    return rotate_rows(DockerHost.objects.all(), "tls_material", dry_run=dry_run)
