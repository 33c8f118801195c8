"""Request body of an agent's enrollment."""

from core.api.body import StrictCharField, StrictSerializer


class EnrollRequest(StrictSerializer):
    token = StrictCharField(min_length=1, max_length=256)
    hostname = StrictCharField(max_length=255, allow_blank=True, required=False)
    version = StrictCharField(max_length=64, allow_blank=True, required=False)
