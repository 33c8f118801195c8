"""A JSON parser for the one route whose bodies may exceed the global body limit."""

import json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from core.http.parsers import MAX_DEPTH, check_document


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE

    def __init__(self, limit: int):
        super().__init__(f"Request body too large (max {limit} bytes)")


class LargeJSONParser(BaseParser):
    """JSON up to the view's `max_body_bytes`. DRF's own JSONParser is fed `request.body`, which
    Django caps at DATA_UPLOAD_MAX_MEMORY_SIZE (the global limit); this one reads the stream,
    bounded by the view's limit (BodySizeLimitMiddleware already checked Content-Length)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        view = (parser_context or {}).get("view")
        limit = getattr(view, "max_body_bytes", settings.MAX_BODY_BYTES)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(limit)
        try:
            data = json.loads(raw.decode((parser_context or {}).get("encoding") or "utf-8"))
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        check_document(data)
        return data
