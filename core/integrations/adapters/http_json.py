"""Any HTTP API answering JSON: values picked by dot paths become metrics or events."""

import json
from typing import Any

from core.integrations import points
from core.integrations.adapters.base import (
    Adapter,
    AdapterError,
    ConfigInvalid,
    reason,
)

MAX_BODY_EVENT = 4096
_MISSING = object()


def pick(document: Any, path: str) -> Any:
    """The value at a dot path; numeric segments index arrays. _MISSING when absent."""
    current = document
    for segment in path.split("."):
        if isinstance(current, list) and segment.isdigit():
            index = int(segment)
            current = current[index] if index < len(current) else _MISSING
        elif isinstance(current, dict):
            current = current.get(segment, _MISSING)
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


class HttpJsonAdapter(Adapter):
    name = "http-json"
    display_name = "HTTP / JSON API"
    url_keys = ("url",)
    config_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": {"type": "string", "minLength": 1, "maxLength": 2048},
            "method": {"enum": ["GET", "POST"], "default": "GET"},
            "headers": {
                "type": "object",
                "maxProperties": 20,
                "additionalProperties": {"type": "string", "maxLength": 4096},
            },
            "bearerToken": {"type": "string", "maxLength": 4096},
            "body": {"type": "object", "description": "Sent as JSON (POST)."},
            "mappings": {
                "type": "array",
                "maxItems": 100,
                "items": {
                    "type": "object",
                    "required": ["path"],
                    "properties": {
                        "path": {"type": "string", "minLength": 1, "maxLength": 512},
                        "name": {"type": "string", "maxLength": 256},
                        "unit": {"type": "string", "maxLength": 64},
                        "labels": {"type": "object",
                                   "additionalProperties": {"type": "string"}},
                    },
                },
            },
        },
    }  # fmt: skip

    @classmethod
    def check_config(cls, config: dict) -> None:
        for name, value in (config.get("headers") or {}).items():
            if not name or any(char in name + value for char in "\r\n\0"):
                raise ConfigInvalid(f"config.headers.{name} must not contain line breaks")

    def _request(self):
        headers = {**(self.config.get("headers") or {}), "Accept": "application/json"}
        if self.config.get("bearerToken"):
            headers["Authorization"] = f"Bearer {self.config['bearerToken']}"
        method = self.config.get("method") or "GET"
        body = self.config.get("body") if method == "POST" else None
        return self.http.request(method, self.config["url"], headers=headers, json_body=body)

    def probe(self) -> tuple[bool, str]:
        response = self._request()
        if response.ok:
            return True, f"HTTP {response.status} OK"
        return False, f"HTTP {response.status} {reason(response.status)}"

    def pull(self) -> list[dict]:
        response = self._request()  # no sub-requests: any failure fails the poll
        if not response.ok:
            raise AdapterError(f"HTTP {response.status} {reason(response.status)}")
        try:
            document = response.json()
        except ValueError:
            raise AdapterError("The response is not valid JSON") from None
        mappings = self.config.get("mappings") or []
        if not mappings:
            return [points.event("API Response", "info", json.dumps(document)[:MAX_BODY_EVENT])]
        result = []
        for mapping in mappings:
            value = pick(document, mapping["path"])
            if value is _MISSING or value is None:
                continue
            label = mapping.get("name") or mapping["path"]
            number = points.as_number(value)
            if number is not None:
                result.append(
                    points.metric(label, number, mapping.get("unit") or "", mapping.get("labels"))
                )
            else:
                text = value if isinstance(value, str) else json.dumps(value)
                result.append(points.event(label, "info", text))
        return result
