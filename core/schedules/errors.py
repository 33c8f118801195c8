"""Errors of the schedules domain, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status


class ScheduleInvalid(exceptions.APIException):
    """A 400 with the original's exact message; `field`/`message` added when they help."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, error: str, *, field: str = "", reason: str = ""):
        super().__init__(error)
        if field or reason:
            self.detail = {"error": error, "field": field, "message": reason or error}


class BrokerUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Task broker unavailable; the run was not started"


class ScheduleNotFound(exceptions.NotFound):
    default_detail = "Schedule not found"
