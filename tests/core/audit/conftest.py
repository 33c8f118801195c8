import pytest
from rest_framework.test import APIClient

from core.accounts.models import Organization
from core.accounts.principal import Principal, PrincipalKind


def principal(org, role="admin", user_id=1) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        subject=str(user_id),
        org_id=org.id,
        role=role,
        user_id=user_id,
        email=f"user{user_id}@example.test",
    )


@pytest.fixture
def acme(db):
    return Organization.objects.create(name="Acme", slug="acme")


@pytest.fixture
def globex(db):
    return Organization.objects.create(name="Globex", slug="globex")


@pytest.fixture
def client_as():
    def _client_as(org, role="admin", user_id=1):
        client = APIClient()
        client.force_authenticate(user=principal(org, role, user_id))
        return client

    return _client_as
