"""Edition gates: the 402 answers of spec §11.4 and the calls that raise them.

Other domains call these from their services or views:

- `require_feature(org, "incidents")`: 402 unless the organisation's edition has the feature.
- `enforce_limit(org, "alertRules", current)`: 402 when `current` (the count before the
  create) has reached the limit. Resources: alertRules, webhooks, schedules, integrations,
  users, servers (any other name gets the generic "Limit reached for <resource>" body).
- `FeatureRequired("incidents")`: a DRF permission class for extension views, e.g.
  `permission_classes = [RolePermission, FeatureRequired("incidents")]`.

`org` is an Organization or its id (`request.user.org_id`).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission

from core.accounts.models import Organization
from core.accounts.permissions import MISSING_AUTH
from core.editions.registry import is_feature, required_edition
from core.editions.resolver import edition_for

FEATURE_NOT_AVAILABLE = "Feature not available in your edition"

# Limits whose bodies upstream clients know by their own message.
_LIMIT_MESSAGES = {
    "alertRules": "Alert rule limit reached ({max})",
    "webhooks": "Webhook limit reached ({max})",
    "schedules": "Schedule limit reached ({max})",
    "integrations": "Integration limit reached ({max})",
}
_WITHOUT_EDITION = frozenset({"alertRules", "webhooks", "schedules"})


class PaymentRequired(exceptions.APIException):
    """402 whose body is the whole dict given (numbers stay numbers)."""

    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "Upgrade required"
    default_code = "payment_required"

    def __init__(self, body: dict):
        super().__init__()
        self.detail = body


class FeatureNotAvailable(PaymentRequired):
    pass


class LimitReached(PaymentRequired):
    pass


def feature_body(feature: str, current_edition: str) -> dict:
    return {
        "error": FEATURE_NOT_AVAILABLE,
        "feature": feature,
        "currentEdition": current_edition,
        "requiredEdition": required_edition(feature),
        "upgradeUrl": settings.UPGRADE_URL,
    }


def limit_body(resource: str, current: int, maximum: int, current_edition: str) -> dict:
    message = _LIMIT_MESSAGES.get(resource, "Limit reached for {resource}")
    body = {
        "error": message.format(max=maximum, resource=resource),
        "current": current,
        "max": maximum,
    }
    if resource not in _WITHOUT_EDITION:
        body["currentEdition"] = current_edition
    body["upgradeUrl"] = settings.UPGRADE_URL
    return body


def require_feature(org: Organization | int, feature: str) -> None:
    """Raise FeatureNotAvailable (402) unless the organisation's edition has `feature`."""
    if not is_feature(feature):
        raise ValueError(f"Unknown edition feature {feature!r}")
    state = edition_for(org)
    if not state.has(feature):
        raise FeatureNotAvailable(feature_body(feature, state.edition))


def limit_for(org: Organization | int, resource: str) -> int | None:
    """The organisation's maximum count of `resource`; None is unlimited."""
    return edition_for(org).limit(resource)


def enforce_limit(org: Organization | int, resource: str, current: int) -> None:
    """Raise LimitReached (402) when `current`, the count before creating one more, has
    reached the organisation's limit for `resource`."""
    state = edition_for(org)
    maximum = state.limit(resource)
    if maximum is not None and current >= maximum:
        raise LimitReached(limit_body(resource, current, maximum, state.edition))


def FeatureRequired(feature: str) -> type[BasePermission]:
    """A DRF permission class admitting only organisations whose edition has `feature`.
    An unknown feature name fails at import time, not on a request."""
    if not is_feature(feature):
        raise ImproperlyConfigured(f"FeatureRequired: unknown edition feature {feature!r}")

    class FeaturePermission(BasePermission):
        def has_permission(self, request, view) -> bool:
            principal = request.user
            if not getattr(principal, "is_authenticated", False):
                raise exceptions.NotAuthenticated(MISSING_AUTH)
            require_feature(principal.org_id, feature)
            return True

    FeaturePermission.__name__ = FeaturePermission.__qualname__ = f"FeatureRequired_{feature}"
    return FeaturePermission
