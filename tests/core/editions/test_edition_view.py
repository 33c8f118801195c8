"""`GET /api/edition` (any role), spec §3.1."""

import time

import pytest
from rest_framework.test import APIClient

from core.extensions import registered
from tests.core.editions.conftest import principal

pytestmark = pytest.mark.django_db


def _get(org, role="viewer"):
    client = APIClient()
    client.force_authenticate(user=principal(org, role))
    return client.get("/api/edition")


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_any_role_reads_the_ce_edition(licensing, acme, role):
    response = _get(acme, role)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "edition": "ce",
        "features": [
            "containers",
            "stacks",
            "system_metrics",
            "alerts_basic",
            "sse_stream",
            "cli",
            "biometric_lock",
            "push_basic",
            "webhooks_basic",
            "schedules_basic",
            "integrations_basic",
        ],
        "limits": {
            "servers": 3,
            "alertRules": 5,
            "users": 1,
            "webhooks": 3,
            "schedules": 5,
            "integrations": 2,
            "metricsRetentionDays": 90,
        },
        "org": None,
        "expiresAt": None,
        "graceMode": False,
        "graceDaysLeft": None,
        "extensions": [extension.name for extension in registered()],
    }
    assert "cockpit-pro" in body["extensions"]


def test_licensed_organisation(licensing, acme):
    acme.license = licensing.issue(edition="enterprise", org="acme", days=10)
    acme.save()
    body = _get(acme).json()
    assert body["edition"] == "enterprise"
    assert body["limits"] == {}
    assert body["org"] == "acme"
    assert body["expiresAt"].endswith("Z")
    assert "sso_saml" in body["features"]


def test_grace_mode_is_reported(licensing, acme):
    acme.license = licensing.issue(edition="pro", days=1, now=time.time() - 5 * 86400)
    acme.save()
    body = _get(acme).json()
    assert (body["edition"], body["graceMode"], body["graceDaysLeft"]) == ("pro", True, 10)


def test_each_organisation_sees_its_own_edition(licensing, acme, default_org):
    acme.edition = "pro"
    acme.save()
    assert _get(acme).json()["edition"] == "pro"
    assert _get(default_org).json()["edition"] == "ce"


def test_requires_authentication(licensing):
    response = APIClient().get("/api/edition")
    assert response.status_code == 401
    assert "error" in response.json()


def test_service_info_reports_the_default_organisations_licensed_edition(
    settings, licensing, default_org, client
):
    assert client.get("/").json()["edition"] == "ce"
    settings.LICENSE_KEY = licensing.issue(edition="pro")
    assert client.get("/").json()["edition"] == "pro"
