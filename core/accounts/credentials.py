"""Proving who you are: the shared API_KEY, per-organisation API keys, e-mail and password.

Each check answers a Principal or raises a CredentialError; the views map those to the
original's error texts. Timing does not reveal whether an e-mail address exists.
"""

import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.utils import timezone

from core.accounts.models import ApiKey, Membership, Organization, User
from core.accounts.principal import (
    Principal,
    api_key_principal,
    shared_key_principal,
    user_principal,
)
from core.accounts.tokens import sha256_hex
from core.setup import DEFAULT_ORG_SLUG, ensure_default_organization

API_KEY_MARK = "ck_"
PER_ORG_KEY = re.compile(r"(?P<prefix>ck_[0-9a-f]{8})_.")  # the prefix is shown in key lists
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute


class CredentialError(Exception):
    pass


class InvalidApiKey(CredentialError):
    pass


class InvalidCredentials(CredentialError):
    pass


class WrongAuthMode(CredentialError):
    """This kind of credential is not accepted in the configured AUTH_MODE."""


class NotAMember(CredentialError):
    """The password was right but the user may not act in the requested organisation."""


# --- API keys ---------------------------------------------------------------------------------


def generate_api_key() -> tuple[str, str]:
    """(full secret, visible prefix). The secret is `ck_<8 hex>_<random>`."""
    prefix = f"{API_KEY_MARK}{secrets.token_hex(4)}"
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def prefix_of(secret: str) -> str | None:
    match = PER_ORG_KEY.match(secret)
    return match.group("prefix") if match else None


def find_org_api_key(secret: str) -> ApiKey | None:
    """The active per-organisation key this secret belongs to, if any."""
    prefix = prefix_of(secret)
    if prefix is None:
        return None
    api_key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, sha256_hex(secret)):
        return None
    return api_key


def touch_api_key(api_key: ApiKey) -> None:
    moment = timezone.now()
    if api_key.last_used_at is None or moment - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=moment)
        api_key.last_used_at = moment


def shared_key_enabled() -> bool:
    return settings.AUTH_MODE == "key" and bool(settings.API_KEY)


def matches_shared_key(secret: str) -> bool:
    if not settings.API_KEY:
        return False
    return hmac.compare_digest(sha256_hex(secret), sha256_hex(settings.API_KEY))


def default_org_id() -> int:
    org = Organization.objects.filter(slug=DEFAULT_ORG_SLUG).only("pk").first()
    if org is None:  # AUTH_MODE=key before `cockpit_setup` ran: make the default tenant now
        org, _ = ensure_default_organization(docker_host=settings.DOCKER_HOST)
    return org.pk


def api_key_account(secret: str) -> str | None:
    """The lockout account a key secret names: its prefix, when it has the per-org format."""
    prefix = prefix_of(secret)
    return api_key_prefix_account(prefix) if prefix else None


def api_key_prefix_account(prefix: str) -> str:
    return f"apikey:{prefix}"


def user_account(email: str) -> str:
    """The lockout account of a person: their normalised e-mail address."""
    return f"email:{email.strip().lower()}"


def authenticate_api_key(secret: str) -> Principal:
    """A per-organisation key (any AUTH_MODE) or, in AUTH_MODE=key, the shared API_KEY."""
    api_key = find_org_api_key(secret)
    if api_key is not None:
        touch_api_key(api_key)
        return api_key_principal(api_key)
    if prefix_of(secret) is not None:
        raise InvalidApiKey()
    if settings.AUTH_MODE != "key":
        raise WrongAuthMode()
    if matches_shared_key(secret):
        return shared_key_principal(default_org_id())
    raise InvalidApiKey()


# --- Passwords --------------------------------------------------------------------------------

_dummy_hashes: dict[str, str] = {}


def _burn_password_check(password: str) -> None:
    """Spend what checking a real password costs, so unknown e-mails are not faster."""
    algorithm = get_hasher().algorithm
    if algorithm not in _dummy_hashes:
        _dummy_hashes[algorithm] = make_password(secrets.token_urlsafe(16))
    check_password(password, _dummy_hashes[algorithm])


def authenticate_user(email: str, password: str, org_slug: str | None = None) -> Principal:
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        _burn_password_check(password)
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    memberships = Membership.objects.filter(user=user)
    membership = memberships.filter(org__slug=org_slug).first() if org_slug else memberships.first()
    if membership is None:
        raise NotAMember()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user_principal(user, membership)
