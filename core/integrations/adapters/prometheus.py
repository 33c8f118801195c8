"""Prometheus: instant queries as metrics, active alerts as alerts."""

from core.integrations import points
from core.integrations.adapters.base import Adapter, basic_auth, join_url, reason

DEFAULT_QUERIES = [{"query": "up", "name": "target_up", "unit": "boolean"}]


class PrometheusAdapter(Adapter):
    name = "prometheus"
    display_name = "Prometheus"
    url_keys = ("url",)
    config_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": {"type": "string", "minLength": 1, "maxLength": 2048,
                    "description": "Base URL, e.g. http://prometheus:9090"},
            "bearerToken": {"type": "string", "maxLength": 4096},
            "basicAuth": {
                "type": "object",
                "required": ["username", "password"],
                "properties": {
                    "username": {"type": "string", "maxLength": 256},
                    "password": {"type": "string", "maxLength": 1024},
                },
                "description": "Wins over bearerToken when both are set.",
            },
            "queries": {
                "type": "array",
                "maxItems": 50,
                "items": {
                    "type": "object",
                    "required": ["query"],
                    "properties": {
                        "query": {"type": "string", "minLength": 1, "maxLength": 4096},
                        "name": {"type": "string", "maxLength": 256},
                        "unit": {"type": "string", "maxLength": 64},
                    },
                },
                "default": DEFAULT_QUERIES,
            },
            "pullAlerts": {"type": "boolean", "default": True},
        },
    }  # fmt: skip

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        basic = self.config.get("basicAuth")
        if basic:
            headers["Authorization"] = basic_auth(basic["username"], basic["password"])
        elif self.config.get("bearerToken"):
            headers["Authorization"] = f"Bearer {self.config['bearerToken']}"
        return headers

    def _url(self, path: str, params=None) -> str:
        return join_url(self.config["url"], path, params)

    def probe(self) -> tuple[bool, str]:
        response = self.http.request("GET", self._url("/-/healthy"), headers=self._headers())
        if response.ok:
            return True, "Prometheus is healthy"
        return False, f"HTTP {response.status} {reason(response.status)}"

    def pull(self) -> list[dict]:
        collected: list[dict] = []
        for query in self.config.get("queries") or DEFAULT_QUERIES:
            collected += self.attempt(lambda query=query: self._query(query))
        if self.config.get("pullAlerts", True):
            collected += self.attempt(self._alerts)
        return self.gathered(collected)

    def _query(self, query: dict) -> list[dict]:
        body = self.http.json(
            "GET", self._url("/api/v1/query", {"query": query["query"]}), headers=self._headers()
        )
        data = body.get("data") or {}
        name = query.get("name") or query["query"]
        unit = query.get("unit") or ""
        if data.get("resultType") in ("scalar", "string"):
            value = points.as_number((data.get("result") or [None, None])[1])
            return [] if value is None else [points.metric(name, value, unit)]
        result = []
        for series in data.get("result") or []:
            sample = series.get("value") or [None, None]
            value = points.as_number(sample[1] if len(sample) > 1 else None)
            if value is not None:
                result.append(points.metric(name, value, unit, series.get("metric") or {}))
        return result

    def _alerts(self) -> list[dict]:
        body = self.http.json("GET", self._url("/api/v1/alerts"), headers=self._headers())
        result = []
        for item in (body.get("data") or {}).get("alerts") or []:
            labels = item.get("labels") or {}
            result.append(
                points.alert(
                    labels.get("alertname") or "Unknown Alert",
                    labels.get("severity") or "warning",
                    item.get("state") or "firing",
                    item.get("generatorURL") or "",
                )
            )
        return result
