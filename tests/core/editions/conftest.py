import pytest

from core.accounts.models import Organization
from core.accounts.principal import Principal, PrincipalKind
from core.editions.issuing import generate_key_pair, issue_license, load_private_key


class KeyPair:
    def __init__(self, algorithm: str):
        private_pem, self.public_pem = generate_key_pair(algorithm)
        self.private_key = load_private_key(private_pem)
        self.private_pem = private_pem

    def issue(self, **claims) -> str:
        claims.setdefault("edition", "pro")
        return issue_license(self.private_key, **claims)


@pytest.fixture(scope="session")
def ed25519_keys():
    return KeyPair("ed25519")


@pytest.fixture(scope="session")
def rsa_keys():
    return KeyPair("rsa")


@pytest.fixture(scope="session")
def other_keys():
    return KeyPair("ed25519")


@pytest.fixture
def trust(settings):
    """Make Cockpit verify licences with this key pair's public key (PEM text)."""

    def _trust(keys: KeyPair):
        settings.LICENSE_PUBLIC_KEY = keys.public_pem.decode()
        return keys

    return _trust


@pytest.fixture
def licensing(settings, tmp_path, ed25519_keys, trust):
    """A clean licence environment: our Ed25519 key trusted, no deployment licence."""
    settings.DATA_DIR = tmp_path
    settings.LICENSE_KEY = ""
    settings.UPGRADE_URL = "https://upgrade.example.test/buy"
    return trust(ed25519_keys)


@pytest.fixture
def default_org(db):
    return Organization.objects.get_or_create(slug="default", defaults={"name": "Default"})[0]


@pytest.fixture
def acme(db):
    return Organization.objects.create(name="Acme", slug="acme")


def principal(org, role="viewer", user_id=1) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        subject=str(user_id),
        org_id=org.id,
        role=role,
        user_id=user_id,
        email=f"user{user_id}@example.test",
    )
