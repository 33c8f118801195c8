"""402 answers of spec §11.4: feature gates and numeric limits."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from core.editions.gates import (
    FeatureNotAvailable,
    FeatureRequired,
    LimitReached,
    enforce_limit,
    limit_for,
    require_feature,
)
from tests.core.editions.conftest import principal

pytestmark = pytest.mark.django_db
UPGRADE = "https://upgrade.example.test/buy"


def test_feature_gate_body(licensing, acme):
    with pytest.raises(FeatureNotAvailable) as caught:
        require_feature(acme, "incidents")
    assert caught.value.status_code == 402
    assert caught.value.detail == {
        "error": "Feature not available in your edition",
        "feature": "incidents",
        "currentEdition": "ce",
        "requiredEdition": "pro",
        "upgradeUrl": UPGRADE,
    }


def test_feature_gate_passes_when_the_edition_has_it(licensing, acme):
    acme.license = licensing.issue(edition="pro")
    acme.save()
    require_feature(acme.id, "incidents")
    with pytest.raises(FeatureNotAvailable) as caught:
        require_feature(acme.id, "sso_saml")
    assert caught.value.detail["requiredEdition"] == "enterprise"
    assert caught.value.detail["currentEdition"] == "pro"


def test_unknown_feature_is_a_programming_error(licensing, acme):
    with pytest.raises(ValueError, match="Unknown edition feature"):
        require_feature(acme, "teleport")
    with pytest.raises(ImproperlyConfigured):
        FeatureRequired("teleport")


@pytest.mark.parametrize(
    ("resource", "maximum", "body"),
    [
        ("alertRules", 5, {"error": "Alert rule limit reached (5)"}),
        ("webhooks", 3, {"error": "Webhook limit reached (3)"}),
        ("schedules", 5, {"error": "Schedule limit reached (5)"}),
        ("integrations", 2, {"error": "Integration limit reached (2)", "currentEdition": "ce"}),
        ("users", 1, {"error": "Limit reached for users", "currentEdition": "ce"}),
        ("servers", 3, {"error": "Limit reached for servers", "currentEdition": "ce"}),
    ],
)
def test_limit_bodies(licensing, acme, resource, maximum, body):
    enforce_limit(acme, resource, maximum - 1)  # one below the limit: allowed
    with pytest.raises(LimitReached) as caught:
        enforce_limit(acme, resource, maximum)
    assert caught.value.status_code == 402
    expected = {**body, "current": maximum, "max": maximum, "upgradeUrl": UPGRADE}
    assert caught.value.detail == expected
    assert list(caught.value.detail)[:3] == ["error", "current", "max"]
    assert list(caught.value.detail)[-1] == "upgradeUrl"


def test_over_the_limit_reports_the_real_count(licensing, acme):
    with pytest.raises(LimitReached) as caught:
        enforce_limit(acme, "webhooks", 9)
    assert (caught.value.detail["current"], caught.value.detail["max"]) == (9, 3)


def test_generic_limit_for_a_licence_defined_resource(licensing, acme):
    acme.license = licensing.issue(edition="pro", limits={"reports": 2})
    acme.save()
    with pytest.raises(LimitReached) as caught:
        enforce_limit(acme, "reports", 2)
    assert caught.value.detail["error"] == "Limit reached for reports"
    assert caught.value.detail["currentEdition"] == "pro"


@pytest.mark.parametrize("edition", ["enterprise", "private"])
def test_enterprise_is_unlimited(licensing, acme, edition):
    acme.edition = edition
    acme.save()
    for resource in ["alertRules", "webhooks", "schedules", "integrations", "users", "servers"]:
        enforce_limit(acme, resource, 10**9)
        assert limit_for(acme, resource) is None


def test_pro_limits(licensing, acme):
    acme.license = licensing.issue(edition="pro")
    acme.save()
    enforce_limit(acme, "alertRules", 99)
    with pytest.raises(LimitReached):
        enforce_limit(acme, "alertRules", 100)


def test_upgrade_url_follows_the_setting(licensing, settings, acme):
    settings.UPGRADE_URL = "https://billing.example.test/"
    with pytest.raises(LimitReached) as caught:
        enforce_limit(acme, "users", 1)
    assert caught.value.detail["upgradeUrl"] == "https://billing.example.test/"


@pytest.mark.urls("tests.core.editions.urls")
def test_feature_required_permission_answers_402_json(licensing, acme):
    client = APIClient()
    client.force_authenticate(user=principal(acme, "admin"))
    response = client.get("/test/incidents")
    assert response.status_code == 402
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": "Feature not available in your edition",
        "feature": "incidents",
        "currentEdition": "ce",
        "requiredEdition": "pro",
        "upgradeUrl": UPGRADE,
    }
    acme.license = licensing.issue(edition="pro")
    acme.save()
    assert client.get("/test/incidents").json() == {"incidents": []}


@pytest.mark.urls("tests.core.editions.urls")
def test_feature_required_permission_needs_authentication_first(licensing):
    response = APIClient().get("/test/incidents")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or invalid Authorization header"}
