import itertools
import os

import pytest
from rest_framework.test import APIClient

from core.accounts.models import Organization
from core.accounts.principal import Principal, PrincipalKind

_addresses = itertools.count(1)


@pytest.fixture
def ip():
    """A client address no other test used, so rate-limit counters start empty."""
    number = next(_addresses) + (os.getpid() % 200) * 60000
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


@pytest.fixture
def acme(db):
    return Organization.objects.create(name="Acme", slug="acme")


@pytest.fixture
def client_as(ip):
    def _client_as(org, role="operator", user_id=1, address=None):
        client = APIClient(REMOTE_ADDR=address or ip)
        client.force_authenticate(
            user=Principal(
                kind=PrincipalKind.USER,
                subject=str(user_id),
                org_id=org.id,
                role=role,
                user_id=user_id,
                email=f"user{user_id}@example.test",
            )
        )
        return client

    return _client_as
