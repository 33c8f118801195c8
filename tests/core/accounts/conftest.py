"""Helpers for the identity tests: auth modes, JSON posts from a chosen client IP, and a
clean lockout store for every test."""

import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.accounts import api_keys

SHARED_KEY = "test-api-key-0123456789"  # tests/settings.py sets API_KEY to this


@pytest.fixture(autouse=True)
def clean_lockouts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key_mode(settings):
    settings.AUTH_MODE = "key"
    settings.API_KEY = SHARED_KEY
    return settings


@pytest.fixture
def users_mode(settings):
    settings.AUTH_MODE = "users"
    return settings


@pytest.fixture
def call():
    """`call(method, path, body=None, token=None, ip=None, ua=None, raw=None)` → response."""

    def send(method, path, body=None, token=None, ip="203.0.113.10", ua="pytest-agent", raw=None):
        client = APIClient()
        headers = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": ip, "HTTP_USER_AGENT": ua}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if raw is not None:
            return getattr(client, method)(
                path, data=raw, content_type="application/json", **headers
            )
        return getattr(client, method)(path, data=body, format="json", **headers)

    return send


@pytest.fixture
def org_key(org):
    """`org_key(role, org=None)` → (ApiKey, secret) for a new per-organisation key."""

    def make(role="admin", in_org=None):
        return api_keys.create((in_org or org).pk, f"key-{uuid.uuid4().hex[:6]}", role, None)

    return make


MEMBER_PASSWORD = "correct horse battery"  # what tests/conftest.py's `member` fixture sets


def login(call, email, password=MEMBER_PASSWORD, org=None, **send):
    body = {"email": email, "password": password, **({"org": org} if org else {})}
    return call("post", "/auth/login", body, **send)
