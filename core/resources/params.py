"""Request parameters shared by the resource views: path validators, flags, paging."""

import re

from rest_framework import status
from rest_framework.exceptions import APIException

from core.accounts.models import Role
from core.api.body import BodyNotAnObject
from core.http.pagination import MAX_LIMIT, page_params

READ = Role.VIEWER
WRITE = Role.ADMIN

_OBJECT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_IMAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,255}")


class InvalidParameter(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request"


def volume_name(value: str) -> str:
    if not _OBJECT_NAME.fullmatch(value):
        raise InvalidParameter("Invalid volume name")
    return value


def network_id(value: str) -> str:
    """A network id or name: the same rule as a container id."""
    if not _OBJECT_NAME.fullmatch(value):
        raise InvalidParameter("Invalid network ID")
    return value


def image_id(value: str) -> str:
    if not _IMAGE_ID.fullmatch(value) or ".." in value:
        raise InvalidParameter("Invalid image ID")
    return value


def query_flag(request, name: str) -> bool:
    """`?force=true` style flags: true/1 and false/0 (or absent); anything else is a 400."""
    value = request.query_params.get(name, "").strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("", "false", "0"):
        return False
    raise InvalidParameter(f"Invalid {name} value (use true or false)")


def json_object(request) -> dict:
    """The request body as an object; an absent body is `{}` (spec §14.18)."""
    data = request.data
    if data is None or data == {}:
        return {}
    if not isinstance(data, dict):
        raise BodyNotAnObject()
    return data


def body_flag(request, name: str) -> bool:
    """Only the JSON literal `true` switches a destructive option on."""
    return json_object(request).get(name) is True


def page(request, items: list, default_limit: int = MAX_LIMIT) -> tuple[list, int]:
    """`limit` and `offset` applied to a list: (the page, the total)."""
    limit, offset = page_params(request.query_params, default_limit=default_limit)
    return items[offset : offset + limit], len(items)
