"""Errors of the hosts domain, rendered as `{"error": ...}`."""

from rest_framework import exceptions, status


class HostConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


class SlugTaken(HostConflict):
    default_detail = "A host with this slug already exists"


class DefaultHostUndeletable(HostConflict):
    default_detail = "Cannot delete the default host; make another host the default first"


class DefaultHostRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        "An organization always has a default host; make another host the default instead"
    )


class HostNotFound(exceptions.NotFound):
    default_detail = "Host not found"
