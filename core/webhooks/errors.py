"""Errors of the webhooks domain, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status


class WebhookInvalid(exceptions.APIException):
    """A 400 with the exact message clients of the original know (e.g. `Invalid URL`)."""

    status_code = status.HTTP_400_BAD_REQUEST


class WebhookNotFound(exceptions.NotFound):
    default_detail = "Webhook not found"
