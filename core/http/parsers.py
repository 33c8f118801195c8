"""The JSON request parser: DRF's, plus the limits a hostile body must not get past.

A JSON document is refused with 400 (never a 500 further down) when it
- nests deeper than MAX_DEPTH (Python's decoder would raise RecursionError near 1,000 levels,
  and code walking a deep document recurses too),
- holds a NUL character in any string or key (PostgreSQL cannot store one),
- holds a number the database and the JSON renderer cannot (1e400 decodes to infinity; an
  integer beyond 64 bits overflows every integer column).
"""

import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
MAX_INTEGER = 2**63 - 1


def check_document(data) -> None:
    """Raise ParseError when a decoded JSON document breaks one of the limits above."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_scalar(key)
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)
        else:
            _check_scalar(value)


def _check_scalar(value) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError("JSON strings must not contain NUL characters")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise ParseError("JSON integers must fit in 64 bits")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ParseError("JSON numbers must be finite")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        check_document(data)
        return data
