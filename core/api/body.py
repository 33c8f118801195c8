"""Request bodies: a JSON object validated strictly (types as in JSON schema, no extra keys).

Errors keep the original's contract: a body that is not a JSON object answers
`{"error": "Request body must be a JSON object"}`; a schema error answers
`{"error": "Validation failed", "field": ..., "message": ...}` (rendered by core.http.errors).
"""

from rest_framework import exceptions, serializers

from core.api.text import name_problem

NOT_AN_OBJECT = "Request body must be a JSON object"


class BodyNotAnObject(exceptions.APIException):
    """A plain `{"error": ...}` 400: the contract has no field for a non-object body."""

    status_code = 400
    default_detail = NOT_AN_OBJECT


def json_object(request) -> dict:
    """The parsed body, which must be a JSON object (an absent body is not one)."""
    if request.stream is None:
        raise BodyNotAnObject()
    data = request.data
    if not isinstance(data, dict):
        raise BodyNotAnObject()
    return data


def json_object_or_empty(request) -> dict:
    """The JSON object sent, an absent body counting as `{}` (spec §14.18)."""
    if not request.body:
        return {}
    return json_object(request)


def enabled_unless_false(request) -> bool:
    """The original's toggles: anything but a literal `false` in `enabled` enables."""
    return json_object_or_empty(request).get("enabled") is not False


class StrictCharField(serializers.CharField):
    """A JSON string: numbers and booleans are refused instead of being coerced."""

    default_error_messages = {"invalid": "must be string"}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)  # passwords and secrets are taken verbatim
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NameField(StrictCharField):
    """A name people read: a JSON string without control or bidi-override characters."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        problem = name_problem(value, "name")
        if problem:
            raise serializers.ValidationError(problem.removeprefix("name "))
        return value


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean: "true", 1 and friends are refused."""

    default_error_messages = {"invalid": "must be boolean"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not declare (JSON schema's `additionalProperties: false`)."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise exceptions.ValidationError({unknown[0]: "must NOT have additional properties"})
        return super().to_internal_value(data)


def validated(serializer_class: type[serializers.Serializer], request, **kwargs) -> dict:
    """The request body validated by `serializer_class`; raises the contract's 400s."""
    serializer = serializer_class(data=json_object(request), **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
