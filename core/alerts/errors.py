"""Errors of the alerts domain, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status


class RuleInvalid(exceptions.APIException):
    """A 400 with the exact message clients of the original know (e.g. `Invalid metric: x`)."""

    status_code = status.HTTP_400_BAD_REQUEST


class RuleNotFound(exceptions.NotFound):
    default_detail = "Rule not found"


class EventIdInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "invalid id"


class EventNotFound(exceptions.NotFound):
    default_detail = "not found"


class FilterInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
