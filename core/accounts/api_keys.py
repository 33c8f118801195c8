"""Per-organisation API keys: created with a role, shown once, revoked for good."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts import credentials, errors, sessions
from core.accounts.models import ApiKey
from core.accounts.tokens import sha256_hex
from core.accounts.users import check_role

PREFIX_ATTEMPTS = 5  # prefixes are 32 random bits; a collision is rare, two in a row absurd


def keys_of(org_id: int):
    return ApiKey.objects.filter(org_id=org_id).select_related("created_by")


def create(org_id: int, name: str, role: str, created_by_id: int | None) -> tuple[ApiKey, str]:
    """The new key and its secret. Only the secret's hash is stored: this is the one chance
    to show it."""
    check_role(role)
    for _ in range(PREFIX_ATTEMPTS - 1):
        try:
            return _create_once(org_id, name, role, created_by_id)
        except IntegrityError:  # the random prefix was taken
            continue
    return _create_once(org_id, name, role, created_by_id)


def _create_once(org_id, name, role, created_by_id) -> tuple[ApiKey, str]:
    secret, prefix = credentials.generate_api_key()
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            org_id=org_id,
            name=name,
            role=role,
            prefix=prefix,
            secret_hash=sha256_hex(secret),
            created_by_id=created_by_id,
        )
    return api_key, secret


def get(org_id: int, key_id: int) -> ApiKey:
    api_key = keys_of(org_id).filter(pk=key_id).first()
    if api_key is None:
        raise errors.ApiKeyNotFound()
    return api_key


@transaction.atomic
def revoke(org_id: int, key_id: int) -> ApiKey:
    """Idempotent. The key stops exchanging for tokens now; its sessions end now too (access
    tokens already issued live out their 15 minutes)."""
    api_key = get(org_id, key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    sessions.revoke_api_key(api_key.pk)
    return api_key
