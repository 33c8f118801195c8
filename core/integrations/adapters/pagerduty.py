"""PagerDuty: open incidents as alerts, recently resolved ones as events, 24 h incident
analytics as metrics (the analytics answer's `data` is a list: spec §14.41)."""

import json
from datetime import UTC, datetime, timedelta

from core.integrations import points
from core.integrations.adapters.base import Adapter, join_url, reason

DEFAULT_API_URL = "https://api.pagerduty.com"
INCIDENT_LIMIT = 25
URGENCY_SEVERITY = {"high": "critical", "low": "low"}
STATUS = {"triggered": "firing", "acknowledged": "acknowledged", "resolved": "ok"}
# (our metric name, unit, the analytics field, how entries of several units combine)
ANALYTICS = [
    ("mean_time_to_resolve", "seconds", "mean_seconds_to_resolve", "mean"),
    ("total_incidents_24h", "count", "total_incident_count", "sum"),
    ("mean_time_to_acknowledge", "seconds", "mean_seconds_to_first_ack", "mean"),
    ("total_interruptions_24h", "count", "total_interruptions", "sum"),
]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def combine_analytics(rows: list) -> dict[str, float]:
    """One value per field over the rows of the analytics answer: counts are summed, means
    are weighted by each row's incident count."""
    rows = [row for row in rows if isinstance(row, dict)]
    combined: dict[str, float] = {}
    for _, _, field, how in ANALYTICS:
        present = [(row, points.as_number(row.get(field))) for row in rows]
        present = [(row, value) for row, value in present if value is not None]
        if not present:
            continue
        if how == "sum":
            combined[field] = sum(value for _, value in present)
        elif len(present) == 1:
            combined[field] = present[0][1]
        else:
            weights = [points.as_number(row.get("total_incident_count")) or 0 for row, _ in present]
            total = sum(weights)
            values = [value for _, value in present]
            combined[field] = (
                sum(value * weight for value, weight in zip(values, weights, strict=True)) / total
                if total
                else sum(values) / len(values)
            )
    return combined


class PagerDutyAdapter(Adapter):
    name = "pagerduty"
    display_name = "PagerDuty"
    url_keys = ("api_url",)
    config_schema = {
        "type": "object",
        "required": ["api_token"],
        "properties": {
            "api_token": {"type": "string", "minLength": 1, "maxLength": 256},
            "api_url": {"type": "string", "maxLength": 2048, "default": DEFAULT_API_URL},
        },
    }

    def _url(self, path: str, params=None) -> str:
        return join_url(self.config.get("api_url") or DEFAULT_API_URL, path, params)

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.pagerduty+json;version=2",
            "Authorization": f"Token token={self.config['api_token']}",
        }

    def probe(self) -> tuple[bool, str]:
        response = self.http.request("GET", self._url("/abilities"), headers=self._headers())
        if response.ok:
            return True, "PagerDuty API token is valid"
        return False, f"HTTP {response.status} {reason(response.status)}"

    def pull(self) -> list[dict]:
        now = datetime.now(UTC)
        collected = self.attempt(self._open_incidents)
        collected += self.attempt(lambda: self._resolved(now))
        collected += self.attempt(lambda: self._analytics(now))
        return self.gathered(collected)

    def _incidents(self, params: list[tuple[str, str]]) -> list[dict]:
        body = self.http.json(
            "GET", self._url("/incidents", [*params, ("limit", INCIDENT_LIMIT)]),
            headers=self._headers(),
        )  # fmt: skip
        return body.get("incidents") or []

    def _open_incidents(self) -> list[dict]:
        incidents = self._incidents([("statuses[]", "triggered"), ("statuses[]", "acknowledged")])
        return [
            points.alert(
                item.get("title") or "Incident",
                URGENCY_SEVERITY.get(item.get("urgency"), "medium"),
                STATUS.get(item.get("status"), "firing"),
                item.get("html_url") or "",
            )
            for item in incidents
        ]

    def _resolved(self, now: datetime) -> list[dict]:
        incidents = self._incidents(
            [
                ("statuses[]", "resolved"),
                ("since", _iso(now - timedelta(hours=24))),
                ("until", _iso(now)),
            ]
        )
        result = []
        for item in incidents:
            body = {
                "id": item.get("id"),
                "service": (item.get("service") or {}).get("summary"),
                "resolved_at": item.get("resolved_at") or item.get("last_status_change_at"),
                "urgency": item.get("urgency"),
            }
            result.append(
                points.event(
                    f"Resolved: {item.get('title') or 'Incident'}", "info", json.dumps(body)
                )
            )
        return result

    def _analytics(self, now: datetime) -> list[dict]:
        request = {
            "filters": {
                "created_at_start": _iso(now - timedelta(hours=24)),
                "created_at_end": _iso(now),
            }
        }
        headers = {**self._headers(), "X-EARLY-ACCESS": "analytics-v2"}
        body = self.http.json(
            "POST", self._url("/analytics/metrics/incidents/all"), headers=headers,
            json_body=request,
        )  # fmt: skip
        rows = body.get("data")
        if isinstance(rows, dict):  # tolerate a single object too
            rows = [rows]
        combined = combine_analytics(rows or [])
        return [
            points.metric(name, combined[field], unit)
            for name, unit, field, _ in ANALYTICS
            if field in combined
        ]
