"""Datadog: monitors as alerts, recent events as events, metric queries as metrics."""

import time

from core.integrations import points
from core.integrations.adapters.base import Adapter, AdapterError, join_url, reason

DEFAULT_SITE = "datadoghq.com"
WINDOW_SECONDS = 300
DEFAULT_QUERIES = [{"query": "avg:system.cpu.user{*}", "unit": "percent"}]
PRIORITY_SEVERITY = {1: "critical", 2: "high", 3: "medium", 4: "low", 5: "info"}
STATE_STATUS = {"OK": "ok", "Alert": "firing", "Warn": "warning", "No Data": "unknown"}


class DatadogAdapter(Adapter):
    name = "datadog"
    display_name = "Datadog"
    url_keys = ("api_url",)
    config_schema = {
        "type": "object",
        "required": ["api_key", "app_key"],
        "properties": {
            "api_key": {"type": "string", "minLength": 1, "maxLength": 256},
            "app_key": {"type": "string", "minLength": 1, "maxLength": 256},
            "site": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9.-]{0,126}[a-z0-9])?$",
                     "default": DEFAULT_SITE},
            "api_url": {"type": "string", "maxLength": 2048,
                        "description": "Overrides https://api.<site>/api/v1 (proxies, tests)."},
            "queries": {
                "type": "array",
                "maxItems": 20,
                "items": {
                    "type": "object",
                    "required": ["query"],
                    "properties": {
                        "query": {"type": "string", "minLength": 1, "maxLength": 2048},
                        "name": {"type": "string", "maxLength": 256},
                        "unit": {"type": "string", "maxLength": 64},
                    },
                },
                "default": DEFAULT_QUERIES,
            },
        },
    }  # fmt: skip

    @property
    def site(self) -> str:
        return self.config.get("site") or DEFAULT_SITE

    def _url(self, path: str, params=None) -> str:
        base = self.config.get("api_url") or f"https://api.{self.site}/api/v1"
        return join_url(base, path, params)

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/json",
            "DD-API-KEY": self.config["api_key"],
            "DD-APPLICATION-KEY": self.config["app_key"],
        }

    def probe(self) -> tuple[bool, str]:
        response = self.http.request("GET", self._url("/validate"), headers=self._headers())
        if not response.ok:
            return False, f"HTTP {response.status} {reason(response.status)}"
        try:
            valid = response.json().get("valid") is True
        except (ValueError, AttributeError):
            valid = False
        return (True, "Datadog API key is valid") if valid else (False, "Invalid API key")

    def pull(self) -> list[dict]:
        now = int(time.time())
        collected = self.attempt(self._monitors)
        collected += self.attempt(lambda: self._events(now))
        for query in self.config.get("queries") or DEFAULT_QUERIES:
            collected += self.attempt(lambda query=query: self._query(query, now))
        return self.gathered(collected)

    def _monitors(self) -> list[dict]:
        monitors = self.http.json("GET", self._url("/monitor"), headers=self._headers())
        result = []
        for monitor in monitors or []:
            result.append(
                points.alert(
                    monitor.get("name") or f"Monitor {monitor.get('id')}",
                    PRIORITY_SEVERITY.get(monitor.get("priority"), "medium"),
                    STATE_STATUS.get(monitor.get("overall_state"), "unknown"),
                    f"https://app.{self.site}/monitors/{monitor.get('id')}",
                )
            )
        return result

    def _events(self, now: int) -> list[dict]:
        params = {"start": now - WINDOW_SECONDS, "end": now}
        body = self.http.json("GET", self._url("/events", params), headers=self._headers())
        return [
            points.event(
                item.get("title") or "Event", item.get("alert_type") or "info", item.get("text")
            )
            for item in body.get("events") or []
        ]

    def _query(self, query: dict, now: int) -> list[dict]:
        params = {"from": now - WINDOW_SECONDS, "to": now, "query": query["query"]}
        body = self.http.json("GET", self._url("/query", params), headers=self._headers())
        if body.get("status") == "error":
            raise AdapterError(f"Datadog query failed: {body.get('error', 'error')}"[:512])
        result = []
        for series in body.get("series") or []:
            samples = [s for s in series.get("pointlist") or [] if s and s[-1] is not None]
            if not samples:
                continue
            value = points.as_number(samples[-1][-1])
            if value is None:
                continue
            result.append(
                points.metric(
                    query.get("name") or series.get("metric") or query["query"],
                    value,
                    query.get("unit") or "",
                    {"scope": series.get("scope"), "display_name": series.get("display_name")},
                )
            )
        return result
