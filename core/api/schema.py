"""The OpenAPI schema's view of the error contract.

Every operation can answer an error in the contract's shape (`{"error": "..."}`, validation
errors with `field` and `message`, edition gates with their own extra keys), so the schema
documents those statuses once here instead of on every view: clients and the schema fuzzer
(tests/fuzz) then know what a refusal looks like.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error answer. Some carry more keys (the 402 of an edition gate names the feature,
    a 429 its limit), so extra keys are allowed."""

    error = serializers.CharField()
    field = serializers.CharField(required=False)
    message = serializers.CharField(required=False)

    class Meta:
        ref_name = "Error"


# Answers any operation can give, whatever it does.
COMMON_ERRORS = {
    "400": "Invalid input (bad JSON, bad parameter, failed validation)",
    "401": "Missing, invalid or expired credentials (a bad token is refused on any route)",
    "404": "No such object in this organisation (or no such host)",
    "405": "Method not allowed",
    "413": "Request body too large",
    "429": "Rate limit exceeded",
}
# Answers of operations that need a token.
AUTHENTICATED_ERRORS = {
    "402": "The organisation's edition does not include this feature or limit",
    "403": "The caller's role is too low",
    "409": "Conflict with the current state",
    "502": "The Docker engine, or a registry or service it had to reach, failed",
    "503": "A service it needs (Docker engine, broker) is unavailable",
}


class CockpitAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self.method == "DELETE" and list(responses) == ["204"]:
            # drf-spectacular assumes an empty 204; every delete here answers 200 with a body
            # (`{"ok": true}` or the queued operation), as the original did.
            responses = {"200": self._get_response_for_code(self.get_response_serializers(), "200")}
        errors = dict(COMMON_ERRORS)
        if self.get_auth():
            errors.update(AUTHENTICATED_ERRORS)
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code
                )
        return dict(sorted(responses.items()))
