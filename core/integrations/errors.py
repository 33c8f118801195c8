"""Errors of the integrations domain, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status


class IntegrationInvalid(exceptions.APIException):
    """A 400 with a message naming the problem (e.g. `Unknown adapter: x`)."""

    status_code = status.HTTP_400_BAD_REQUEST


class IntegrationNotFound(exceptions.NotFound):
    default_detail = "Integration not found"


class PollInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A poll of this integration is already running"
