"""Numeric ids in paths. The original answers `{"error": "Invalid <thing> ID"}` (400) for
anything but a positive integer, where a converter would answer a bare 404."""

from rest_framework import exceptions, status

MAX_DIGITS = 18  # stays inside a signed 64-bit column


class InvalidId(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, what: str):
        super().__init__(f"Invalid {what} ID")


def parse_id(raw: str, what: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_DIGITS or int(raw) < 1:
        raise InvalidId(what)
    return int(raw)
