"""Grafana: provisioned alert rules as alerts, recent annotations as events."""

import json
import time

from core.integrations import points
from core.integrations.adapters.base import Adapter, join_url, reason

DEFAULT_INTERVAL_SECONDS = 60
ANNOTATION_LIMIT = 100


class GrafanaAdapter(Adapter):
    name = "grafana"
    display_name = "Grafana"
    url_keys = ("url",)
    config_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": {"type": "string", "minLength": 1, "maxLength": 2048},
            "serviceAccountToken": {"type": "string", "maxLength": 4096,
                                    "description": "Preferred over apiKey."},
            "apiKey": {"type": "string", "maxLength": 4096},
            "pullAnnotations": {"type": "boolean", "default": True},
        },
    }  # fmt: skip

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        token = self.config.get("serviceAccountToken") or self.config.get("apiKey")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _url(self, path: str, params=None) -> str:
        return join_url(self.config["url"], path, params)

    def probe(self) -> tuple[bool, str]:
        response = self.http.request("GET", self._url("/api/health"), headers=self._headers())
        if not response.ok:
            return False, f"HTTP {response.status} {reason(response.status)}"
        try:
            database = response.json().get("database")
        except (ValueError, AttributeError):
            return False, "The health answer is not valid JSON"
        if database == "ok":
            return True, "Grafana is healthy"
        return False, f"Database: {database}"

    def pull(self) -> list[dict]:
        collected = self.attempt(self._alert_rules)
        if self.config.get("pullAnnotations", True):
            collected += self.attempt(self._annotations)
        return self.gathered(collected)

    def _alert_rules(self) -> list[dict]:
        rules = self.http.json(
            "GET", self._url("/api/v1/provisioning/alert-rules"), headers=self._headers()
        )
        base = self.config["url"].rstrip("/")
        result = []
        for rule in rules or []:
            if not rule.get("data"):
                continue
            result.append(
                points.alert(
                    rule.get("title") or "Alert rule",
                    (rule.get("labels") or {}).get("severity") or "warning",
                    "paused" if rule.get("isPaused") else "active",
                    f"{base}/alerting/{rule.get('uid', '')}/edit",
                )
            )
        return result

    def _annotations(self) -> list[dict]:
        interval = self.context.poll_interval or DEFAULT_INTERVAL_SECONDS
        now_ms = int(time.time() * 1000)
        params = {"from": now_ms - 2 * interval * 1000, "to": now_ms, "limit": ANNOTATION_LIMIT}
        annotations = self.http.json(
            "GET", self._url("/api/annotations", params), headers=self._headers()
        )
        result = []
        for item in annotations or []:
            tags = item.get("tags") or []
            body = {
                "dashboardId": item.get("dashboardId"),
                "panelId": item.get("panelId"),
                "tags": tags,
            }
            result.append(
                points.event(
                    item.get("text") or "Annotation",
                    "critical" if "critical" in tags else "info",
                    json.dumps(body),
                )
            )
        return result
