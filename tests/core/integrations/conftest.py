"""Fixtures for integration tests: organisations whose outbound policy admits loopback vendors
(one test proves the refusal without it), vendor servers, real-token API clients."""

import uuid

import pytest

from core.accounts.models import Edition, Organization
from core.integrations.registry import registry
from core.outbound import Policy
from core.outbound.models import OutboundPolicy
from tests.core.integrations.vendors import Vendor

LOOPBACK = Policy(allow_private=True)


def make_org(name: str, edition: str = Edition.PRO, allow_private: bool = True) -> Organization:
    org = Organization.objects.create(
        name=name, slug=f"ckt-integ-{uuid.uuid4().hex[:10]}", edition=edition
    )
    if allow_private:
        OutboundPolicy.objects.create(org=org, allow_private=True)
    return org


@pytest.fixture
def pro_org(db):
    return make_org("Integrations")


@pytest.fixture
def ce_org(db):
    return make_org("Community", edition=Edition.CE)


@pytest.fixture
def strict_org(db):
    return make_org("Strict", allow_private=False)


@pytest.fixture
def admin(auth_client, pro_org):
    return auth_client("admin", pro_org)


@pytest.fixture
def viewer(auth_client, pro_org):
    return auth_client("viewer", pro_org)


@pytest.fixture
def vendor():
    """`vendor(routes)` → a started Vendor server, stopped after the test."""
    started = []

    def start(routes: dict) -> Vendor:
        server = Vendor(routes).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


def adapter(name: str, config: dict, policy: Policy = LOOPBACK, **context):
    from core.integrations.adapters.base import Context

    return registry.create(name, config, policy=policy, context=Context(**context))
