"""Which edition an organisation has: assigned edition, its own licence, the deployment licence,
grace, failures (logged without the licence), and the per-organisation cache."""

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.accounts.models import Organization
from core.editions.resolver import edition_for

pytestmark = pytest.mark.django_db


def test_no_licence_is_ce_with_default_limits(licensing, default_org):
    state = edition_for(default_org)
    assert state.edition == "ce"
    assert state.limit("alertRules") == 5
    assert state.org is None
    assert state.expires_at is None
    assert state.grace_mode is False
    assert state.has("containers")
    assert not state.has("incidents")


def test_assigned_edition_without_licence(licensing, acme):
    acme.edition = "pro"
    acme.save()
    state = edition_for(acme.id)
    assert state.edition == "pro"
    assert state.has("incidents")
    assert state.limit("users") == 5


def test_organisation_licence_raises_its_edition(licensing, acme, default_org):
    acme.license = licensing.issue(edition="enterprise", org="acme")
    acme.save()
    assert edition_for(acme).edition == "enterprise"
    assert edition_for(acme).limit("users") is None  # enterprise: unlimited
    assert edition_for(default_org).edition == "ce"


def test_deployment_licence_goes_to_the_organisation_it_names(
    settings, licensing, acme, default_org
):
    settings.LICENSE_KEY = licensing.issue(edition="pro", org="acme")
    assert edition_for(acme).edition == "pro"
    assert edition_for(acme).org == "acme"
    assert edition_for(default_org).edition == "ce"


def test_deployment_licence_without_org_goes_to_the_default_organisation(
    settings, licensing, acme, default_org
):
    settings.LICENSE_KEY = licensing.issue(edition="pro")
    assert edition_for(default_org).edition == "pro"
    assert edition_for(acme).edition == "ce"


def test_deployment_licence_naming_an_unknown_org_goes_to_the_default_one(
    settings, licensing, default_org
):
    settings.LICENSE_KEY = licensing.issue(edition="pro", org="Lagoon Customer Inc")
    assert edition_for(default_org).edition == "pro"
    assert edition_for(default_org).org == "Lagoon Customer Inc"


def test_licence_moves_when_the_named_organisation_appears(settings, licensing, default_org):
    settings.LICENSE_KEY = licensing.issue(edition="pro", org="beta")
    assert edition_for(default_org).edition == "pro"
    beta = Organization.objects.create(name="Beta", slug="beta")
    assert edition_for(beta).edition == "pro"
    assert edition_for(default_org).edition == "ce"


def test_licence_file_in_data_dir(settings, licensing, default_org):
    (settings.DATA_DIR / "license.key").write_text("\n  " + licensing.issue(edition="pro") + "  \n")
    assert edition_for(default_org).edition == "pro"


def test_licence_file_is_picked_up_without_restart(settings, licensing, default_org):
    assert edition_for(default_org).edition == "ce"
    (settings.DATA_DIR / "license.key").write_text(licensing.issue(edition="enterprise"))
    assert edition_for(default_org).edition == "enterprise"


def test_environment_licence_beats_the_file(settings, licensing, default_org):
    (settings.DATA_DIR / "license.key").write_text(licensing.issue(edition="enterprise"))
    settings.LICENSE_KEY = licensing.issue(edition="pro")
    assert edition_for(default_org).edition == "pro"


def test_organisation_licence_wins_over_the_deployment_licence(settings, licensing, default_org):
    settings.LICENSE_KEY = licensing.issue(edition="enterprise")
    default_org.license = licensing.issue(edition="pro")
    default_org.save()
    assert edition_for(default_org).edition == "pro"


def test_invalid_licence_falls_back_with_a_log_line_but_no_licence(
    licensing, other_keys, acme, caplog
):
    token = other_keys.issue(edition="enterprise")
    acme.license = token
    acme.save()
    with caplog.at_level(logging.WARNING, logger="core.editions.resolver"):
        assert edition_for(acme).edition == "ce"
    assert "bad signature" in caplog.text
    assert "acme" in caplog.text
    for part in token.split("."):
        assert part not in caplog.text


def test_no_public_key_configured_means_ce(settings, licensing, acme, caplog):
    settings.LICENSE_PUBLIC_KEY = ""
    acme.license = licensing.issue(edition="pro")
    acme.save()
    with caplog.at_level(logging.WARNING, logger="core.editions.resolver"):
        assert edition_for(acme).edition == "ce"
    assert "LICENSE_PUBLIC_KEY is not set" in caplog.text


def test_malformed_licence_is_ce(licensing, acme):
    acme.license = "not-a-licence"
    acme.save()
    assert edition_for(acme).edition == "ce"


def test_expired_licence_in_grace(licensing, acme):
    acme.license = licensing.issue(edition="pro", days=1, now=time.time() - 3 * 86400)
    acme.save()
    state = edition_for(acme)
    assert state.edition == "pro"
    assert state.grace_mode is True
    assert state.grace_days_left == 12
    assert state.expires_at < datetime.now(UTC)


def test_expired_licence_past_grace_is_the_assigned_edition(licensing, acme, caplog):
    acme.license = licensing.issue(edition="pro", days=1, now=time.time() - 16 * 86400)
    acme.save()
    with caplog.at_level(logging.WARNING, logger="core.editions.resolver"):
        state = edition_for(acme)
    assert (state.edition, state.grace_mode, state.expires_at) == ("ce", False, None)
    assert "beyond the 14-day grace" in caplog.text


def test_grace_is_computed_at_read_time_not_cached(licensing, acme):
    acme.license = licensing.issue(edition="pro", days=1)
    acme.save()
    now = datetime.now(UTC)
    assert edition_for(acme, now=now).grace_mode is False
    assert edition_for(acme, now=now + timedelta(days=2)).grace_mode is True
    assert edition_for(acme, now=now + timedelta(days=16)).edition == "ce"


def test_licence_limits_replace_the_defaults(licensing, acme):
    acme.license = licensing.issue(edition="pro", limits={"alertRules": 7, "users": 2})
    acme.save()
    state = edition_for(acme)
    assert state.limits == {"alertRules": 7, "users": 2}
    assert state.limit("alertRules") == 7
    assert state.limit("webhooks") is None
    assert state.metrics_retention_days == 365


def test_licence_features_replace_the_defaults(licensing, acme):
    acme.license = licensing.issue(edition="pro", features=["containers", "incidents"])
    acme.save()
    state = edition_for(acme)
    assert state.features == ("containers", "incidents")
    assert state.has("incidents")
    assert not state.has("status_pages")


def test_a_lower_licence_does_not_lower_the_assigned_edition(licensing, acme):
    acme.edition = "enterprise"
    acme.license = licensing.issue(edition="pro")
    acme.save()
    assert edition_for(acme).edition == "enterprise"


def test_rsa_licences_work_too(licensing, trust, rsa_keys, acme):
    trust(rsa_keys)
    acme.license = rsa_keys.issue(edition="private")
    acme.save()
    assert edition_for(acme).edition == "private"


def test_cached_lookup_needs_no_query(licensing, acme, django_assert_num_queries):
    acme.license = licensing.issue(edition="pro")
    acme.save()
    edition_for(acme.id)
    with django_assert_num_queries(0):
        assert edition_for(acme.id).edition == "pro"


def test_saving_the_organisation_refreshes_the_cache(licensing, acme):
    assert edition_for(acme.id).edition == "ce"
    acme.license = licensing.issue(edition="enterprise")
    acme.save()
    assert edition_for(acme.id).edition == "enterprise"
    acme.license = ""
    acme.edition = "pro"
    acme.save()
    assert edition_for(acme.id).edition == "pro"


def test_trusting_another_key_refreshes_the_cache(licensing, trust, other_keys, acme):
    acme.license = licensing.issue(edition="pro")
    acme.save()
    assert edition_for(acme.id).edition == "pro"
    trust(other_keys)
    assert edition_for(acme.id).edition == "ce"


def test_unknown_organisation_id_is_ce(licensing):
    assert edition_for(987654).edition == "ce"
