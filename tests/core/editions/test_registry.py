"""The feature registry, limits and retention resolver (spec §11.1-2, §13.45-46)."""

import math

import pytest

from core.editions.registry import (
    ALL_FEATURES,
    default_limits,
    edition_has,
    features_for,
    metrics_retention_days,
    required_edition,
)

PRO_ONLY = ["incidents", "remediation", "status_pages", "uptime_monitoring", "chatops", "sla"]


def test_ce_has_the_core_features_only():
    for feature in ["containers", "stacks", "system_metrics", "sse_stream"]:
        assert edition_has("ce", feature)
    for feature in ["incidents", "remediation", "status_pages", "sso_saml"]:
        assert not edition_has("ce", feature)
    assert len(features_for("ce")) == 11


def test_pro_adds_pro_features_but_not_enterprise_ones():
    for feature in [*PRO_ONLY, "containers"]:
        assert edition_has("pro", feature)
    for feature in ["sso_saml", "white_label"]:
        assert not edition_has("pro", feature)


@pytest.mark.parametrize("edition", ["enterprise", "private"])
def test_enterprise_and_private_have_everything(edition):
    assert all(edition_has(edition, feature) for feature in ALL_FEATURES)
    assert features_for(edition) == list(ALL_FEATURES)


@pytest.mark.parametrize("feature", ["", "teleportation", None, "CONTAINERS"])
def test_unknown_or_empty_feature_is_never_available(feature):
    for edition in ["ce", "pro", "enterprise", "private"]:
        assert not edition_has(edition, feature)


def test_unknown_edition_has_nothing():
    assert features_for("gold") == []
    assert not edition_has("gold", "containers")


def test_feature_counts_strictly_increase():
    counts = [len(features_for(edition)) for edition in ["ce", "pro", "enterprise"]]
    assert counts == sorted(set(counts))
    assert counts == [11, 26, 34]


def test_required_edition():
    assert required_edition("containers") == "ce"
    assert required_edition("incidents") == "pro"
    assert required_edition("compliance_logging") == "enterprise"
    assert required_edition("nope") is None


def test_limit_values_per_edition():
    assert default_limits("ce") == {
        "servers": 3,
        "alertRules": 5,
        "users": 1,
        "webhooks": 3,
        "schedules": 5,
        "integrations": 2,
        "metricsRetentionDays": 90,
    }
    assert default_limits("pro") == {
        "servers": 20,
        "alertRules": 100,
        "users": 5,
        "webhooks": 50,
        "schedules": 50,
        "integrations": 10,
        "metricsRetentionDays": 365,
        "auditRetentionDays": 30,
    }
    assert default_limits("enterprise") == {}
    assert default_limits("private") == {}


def test_default_limits_are_fresh_copies():
    default_limits("ce")["users"] = 99
    assert default_limits("ce")["users"] == 1


@pytest.mark.parametrize(
    ("edition", "limits", "days"),
    [
        ("enterprise", {"metricsRetentionDays": 7}, 730),
        ("private", None, 730),
        ("ce", None, 90),
        ("ce", {}, 90),
        ("pro", None, 365),
        ("pro", {}, 365),
        ("pro", {"metricsRetentionDays": 30}, 30),
        ("ce", {"metricsRetentionDays": 200}, 200),
        (None, None, 90),
        ({}, {}, 90),
        ("bogus", None, 90),
        ("pro", {"metricsRetentionDays": math.inf}, 365),
        ("pro", {"metricsRetentionDays": math.nan}, 365),
        ("pro", {"metricsRetentionDays": "400"}, 365),
        ("pro", {"metricsRetentionDays": True}, 365),
    ],
)
def test_metrics_retention_resolver(edition, limits, days):
    assert metrics_retention_days(edition, limits) == days
