"""`limit` / `offset` query parameters of list endpoints: parsed strictly, clamped, 400 on junk."""

from rest_framework import exceptions, status

MAX_LIMIT = 500
# Offsets past this are past the end of any list; larger numbers overflow the database's
# integer (a 500 before this bound).
MAX_OFFSET = 2**31 - 1


class InvalidQueryParameter(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_query_parameter"


def _integer(query_params, name: str) -> int | None:
    raw = query_params.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise InvalidQueryParameter(f"{name} must be an integer") from None


def page_params(query_params, *, default_limit: int, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """(limit, offset): limit defaults per route and is clamped to 1..max_limit; offset
    defaults to 0 and is clamped to 0..MAX_OFFSET. A value that is not an integer is a 400."""
    limit = _integer(query_params, "limit")
    offset = _integer(query_params, "offset")
    limit = default_limit if limit is None else min(max(limit, 1), max_limit)
    return limit, min(max(offset or 0, 0), MAX_OFFSET)
