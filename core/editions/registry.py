"""The edition registry: which features each edition has and its numeric limits (spec §11.1-2).

Pure data and pure functions; nothing here touches the database or the licence.
"""

import math
from collections.abc import Mapping

from core.accounts.models import Edition

RANK: dict[str, int] = {
    Edition.CE: 0,
    Edition.PRO: 1,
    Edition.ENTERPRISE: 2,
    Edition.PRIVATE: 3,
}

# Each feature with the lowest edition that has it, in the order clients list them.
_FEATURES_BY_EDITION: dict[str, tuple[str, ...]] = {
    Edition.CE: (
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
    ),
    Edition.PRO: (
        "push_notifications",
        "incidents",
        "remediation",
        "status_pages",
        "uptime_monitoring",
        "chatops",
        "rbac",
        "audit_trail",
        "sla",
        "multi_server",
        "alerts_unlimited",
        "webhooks_unlimited",
        "schedules_unlimited",
        "integrations_pro",
        "reports",
    ),
    Edition.ENTERPRISE: (
        "sso_saml",
        "white_label",
        "custom_roles",
        "ip_allowlist",
        "mtls",
        "encryption_at_rest",
        "integrations_unlimited",
        "compliance_logging",
    ),
}

MINIMUM_EDITION: dict[str, str] = {
    feature: edition for edition, features in _FEATURES_BY_EDITION.items() for feature in features
}
ALL_FEATURES: tuple[str, ...] = tuple(MINIMUM_EDITION)

# Numeric limits per edition; a key that is absent is unlimited.
_LIMITS: dict[str, dict[str, int]] = {
    Edition.CE: {
        "servers": 3,
        "alertRules": 5,
        "users": 1,
        "webhooks": 3,
        "schedules": 5,
        "integrations": 2,
        "metricsRetentionDays": 90,
    },
    Edition.PRO: {
        "servers": 20,
        "alertRules": 100,
        "users": 5,
        "webhooks": 50,
        "schedules": 50,
        "integrations": 10,
        "metricsRetentionDays": 365,
        "auditRetentionDays": 30,
    },
    Edition.ENTERPRISE: {},
    Edition.PRIVATE: {},
}

UNLIMITED_RETENTION_EDITIONS = frozenset({Edition.ENTERPRISE, Edition.PRIVATE})
FIXED_RETENTION_DAYS = 730
DEFAULT_RETENTION_DAYS = {Edition.PRO: 365}
FALLBACK_RETENTION_DAYS = 90


def is_edition(name: object) -> bool:
    return isinstance(name, str) and name in RANK


def is_feature(name: object) -> bool:
    return isinstance(name, str) and name in MINIMUM_EDITION


def features_for(edition: str) -> list[str]:
    """Every feature the edition has (an unknown edition has none), in registry order."""
    rank = RANK.get(edition, -1)
    return [feature for feature in ALL_FEATURES if RANK[MINIMUM_EDITION[feature]] <= rank]


def edition_has(edition: str, feature: str) -> bool:
    """Whether the edition's default feature set includes the feature; unknown is never."""
    if not is_feature(feature) or not is_edition(edition):
        return False
    return RANK[MINIMUM_EDITION[feature]] <= RANK[edition]


def required_edition(feature: str) -> str | None:
    return MINIMUM_EDITION.get(feature)


def default_limits(edition: str) -> dict[str, int]:
    """The edition's limits (a fresh dict); enterprise and private are empty = unlimited."""
    return dict(_LIMITS.get(edition, _LIMITS[Edition.CE]))


def _finite_positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def metrics_retention_days(edition: object, limits: Mapping | None = None) -> int | float:
    """How many days of metrics history the edition may read (spec §9.2, §13.46).

    Enterprise and private: 730 regardless of limits. Otherwise an explicit finite
    `metricsRetentionDays` limit wins; else pro 365 and anything else (CE, unknown) 90."""
    if not isinstance(edition, str):
        edition = ""
    if edition in UNLIMITED_RETENTION_EDITIONS:
        return FIXED_RETENTION_DAYS
    claim = limits.get("metricsRetentionDays") if isinstance(limits, Mapping) else None
    if _finite_positive(claim):
        return claim
    return DEFAULT_RETENTION_DAYS.get(edition, FALLBACK_RETENTION_DAYS)
