"""Fixtures for the webhook tests: an organisation whose outbound policy admits loopback
receivers (tests prove the refusal with it off), role clients, eager Celery."""

import uuid

import pytest
from rest_framework.test import APIClient

from cockpit.celery import app as celery_app
from core.accounts.models import Edition, Organization, Role
from core.accounts.principal import Principal
from core.outbound.models import OutboundPolicy


def make_org(name: str = "Hooks", edition: str = Edition.PRO) -> Organization:
    return Organization.objects.create(
        name=name, slug=f"ckt-hooks-{uuid.uuid4().hex[:10]}", edition=edition
    )


@pytest.fixture
def org(db):
    """A Pro organisation (50 webhooks) whose receivers may sit on loopback."""
    org = make_org()
    OutboundPolicy.objects.create(org=org, allow_private=True)
    return org


@pytest.fixture
def strict_org(db):
    """An organisation without a policy row: the environment default, private refused."""
    return make_org("Strict")


@pytest.fixture
def other_org(db):
    return make_org("Other")


def client_for(org: Organization, role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(
        user=Principal(
            kind="user", subject="1", org_id=org.id, role=role, user_id=1, email="x@example.com"
        )
    )
    return client


@pytest.fixture
def admin(org):
    return client_for(org, Role.ADMIN)


@pytest.fixture
def eager_celery():
    """Tasks run in the caller, retries included (their countdown is not waited for)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def fast_webhooks(settings):
    settings.WEBHOOK_TIMEOUT = 1.0
    settings.WEBHOOK_RETRY_DELAYS = [10, 60, 300]
    return settings
