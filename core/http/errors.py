"""The error contract: every response with status >= 400 is JSON `{"error": "..."}`."""

import logging
from http import HTTPStatus

from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger(__name__)

# Messages for statuses Django answers before any view of ours runs.
DEFAULT_MESSAGES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    500: "Internal server error",
}


def message_for(status: int) -> str:
    if status in DEFAULT_MESSAGES:
        return DEFAULT_MESSAGES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _first_validation_error(detail, path: str = "") -> tuple[str, str]:
    """Walk DRF's nested error detail to its first leaf: (field path, message)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                return _first_validation_error(value, path)
            return _first_validation_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], path)
    return path or "body", str(detail)


def exception_handler(exc, context):
    """DRF exceptions rendered in the contract's shape; anything unexpected stays a 500."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # Django answers it as a 500 through handler500 (logged with the request id)
    if response.status_code == 304:
        response.data = None  # a 304 has no body (RFC 9110 §15.4.5); one would desync clients
        return response
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_validation_error(exc.detail)
        response.data = {"error": "Validation failed", "field": field, "message": message}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {"error": f"Malformed request body: {exc.detail}"}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict) and "error" in detail:
            response.data = detail  # already in the contract's shape, possibly with extra keys
        else:
            response.data = {"error": str(detail)}
    return response


def bad_request(request, exception=None):
    return error_response(message_for(400), 400)


def permission_denied(request, exception=None):
    return error_response(message_for(403), 403)


def page_not_found(request, exception=None):
    return error_response(message_for(404), 404)


def server_error(request):
    return error_response(message_for(500), 500)
