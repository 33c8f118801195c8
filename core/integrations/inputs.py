"""Request bodies and query parameters of the integration routes (spec §3.9): strict JSON
types, no unknown keys, the contract's `{"error": "Validation failed", ...}` on a mismatch."""

from datetime import UTC, datetime

from rest_framework import serializers

from core.api.body import NameField, StrictBooleanField, StrictCharField, StrictSerializer
from core.http.pagination import InvalidQueryParameter
from core.integrations.models import MAX_POLL_INTERVAL, MIN_POLL_INTERVAL, PointType


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: strings and booleans are refused (30.0 counts as 30, as in JSON)."""

    default_error_messages = {
        "invalid": "must be integer",
        "max_value": "must be <= {max_value}",
        "min_value": "must be >= {min_value}",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        return super().to_internal_value(int(data))


class ObjectField(serializers.JSONField):
    default_error_messages = {"invalid": "must be object"}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        return data


def _fields(required: bool) -> dict:
    return {
        "adapter": StrictCharField(min_length=1, max_length=64, required=required),
        "name": NameField(min_length=1, max_length=128, required=required),
        "config": ObjectField(required=required),
        "poll_interval": StrictIntegerField(
            min_value=MIN_POLL_INTERVAL, max_value=MAX_POLL_INTERVAL, required=False
        ),
        "enabled": StrictBooleanField(required=False),
    }


class IntegrationBody(StrictSerializer):
    """POST and PUT: adapter, name and config required."""

    def get_fields(self):
        return _fields(required=True)


class IntegrationPatch(StrictSerializer):
    """PATCH: any subset of the same fields."""

    def get_fields(self):
        return _fields(required=False)


def point_type(query_params) -> str | None:
    raw = query_params.get("type")
    if raw is None or raw == "":
        return None
    if raw not in PointType.values:
        raise InvalidQueryParameter(f"type must be one of: {', '.join(PointType.values)}")
    return raw


def moment(query_params, name: str) -> datetime | None:
    """An ISO-8601 date or date-time (naive = UTC); 400 for anything else."""
    raw = query_params.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidQueryParameter(f"{name} must be an ISO-8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
