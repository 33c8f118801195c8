"""The stack API's errors, each rendered as {"error": message} with its status."""

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound


class BadRequest(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request"


class InvalidStackName(BadRequest):
    default_detail = "Invalid stack name"


class StackNotFound(NotFound):
    default_detail = "Stack not found"


class DeploymentNotFound(NotFound):
    default_detail = "Stack deployment not found"


class VersionNotFound(NotFound):
    default_detail = "Stack version not found"


class OperationNotFound(NotFound):
    default_detail = "Operation not found"


class OperationInProgress(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Another operation is already in progress on this stack"


class StackChanged(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The stack changed while saving; try again"


class HostNotSupported(BadRequest):
    default_detail = "Compose deployments need a host with an engine address or an agent"


class BrokerUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Task broker unavailable; the operation was not started"
