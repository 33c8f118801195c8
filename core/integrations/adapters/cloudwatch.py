"""AWS CloudWatch (query API, SigV4-signed GETs): alarms as alerts, metric statistics as
metrics. Metrics and dimensions are configurable (spec §14.41); the defaults are the
original's four EC2 metrics without dimensions."""

import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from core.integrations import points
from core.integrations.adapters import sigv4
from core.integrations.adapters.base import Adapter, AdapterError, ConfigInvalid, reason
from core.outbound.targets import parse_target

SERVICE = "monitoring"
API_VERSION = "2010-08-01"
DEFAULT_REGION = "us-east-1"
WINDOW_SECONDS = 300
DEFAULT_NAMESPACE = "AWS/EC2"
DEFAULT_METRICS = [
    {"name": "CPUUtilization", "unit": "percent"},
    {"name": "NetworkIn", "unit": "bytes"},
    {"name": "NetworkOut", "unit": "bytes"},
    {"name": "DiskReadOps", "unit": "count"},
]
STATISTICS = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"]
STATE_STATUS = {"OK": "ok", "ALARM": "firing", "INSUFFICIENT_DATA": "unknown"}
MAX_DIMENSIONS = 30  # CloudWatch's own limit per metric
_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

_DIMENSIONS_SCHEMA = {
    "type": "object",
    "maxProperties": MAX_DIMENSIONS,
    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 1024},
    "description": 'Dimension name -> value, e.g. {"InstanceId": "i-0123"}.',
}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml(body: bytes) -> ElementTree.Element:
    """The document, refusing DTDs (no entity expansion from an answer we do not control)."""
    if _DOCTYPE.search(body):
        raise AdapterError("The CloudWatch answer contains a DTD; refused")
    try:
        return ElementTree.fromstring(body)  # noqa: S314  (DTDs refused above: no entities)
    except ElementTree.ParseError:
        raise AdapterError("The CloudWatch answer is not valid XML") from None


def children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [node for node in element.iter() if _local(node.tag) == name]


def child_text(element: ElementTree.Element, name: str) -> str:
    for node in element:
        if _local(node.tag) == name:
            return (node.text or "").strip()
    return ""


def aws_error(body: bytes) -> str:
    try:
        root = parse_xml(body)
    except AdapterError:
        return ""
    codes = children(root, "Code")
    return (codes[0].text or "").strip()[:128] if codes else ""


class CloudWatchAdapter(Adapter):
    name = "cloudwatch"
    display_name = "AWS CloudWatch"
    url_keys = ("endpoint_url",)
    config_schema = {
        "type": "object",
        "required": ["access_key_id", "secret_access_key"],
        "properties": {
            "access_key_id": {"type": "string", "minLength": 1, "maxLength": 128},
            "secret_access_key": {"type": "string", "minLength": 1, "maxLength": 256},
            "session_token": {"type": "string", "maxLength": 4096},
            "region": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$",
                       "default": DEFAULT_REGION},
            "endpoint_url": {"type": "string", "maxLength": 2048,
                             "description": "Default https://monitoring.<region>.amazonaws.com"},
            "dimensions": {**_DIMENSIONS_SCHEMA,
                           "description": "Applied to metrics without their own dimensions."},
            "metrics": {
                "type": "array",
                "maxItems": 20,
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 255},
                        "namespace": {"type": "string", "minLength": 1, "maxLength": 255},
                        "unit": {"type": "string", "maxLength": 64},
                        "statistic": {"enum": STATISTICS},
                        "dimensions": _DIMENSIONS_SCHEMA,
                    },
                },
                "default": DEFAULT_METRICS,
            },
            "namespace": {"type": "string", "minLength": 1, "maxLength": 255,
                          "default": DEFAULT_NAMESPACE},
        },
    }  # fmt: skip

    @classmethod
    def check_config(cls, config: dict) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]+", config["access_key_id"]):
            raise ConfigInvalid("config.access_key_id must be letters and digits")

    @property
    def region(self) -> str:
        return self.config.get("region") or DEFAULT_REGION

    @property
    def endpoint(self) -> str:
        return self.config.get("endpoint_url") or f"https://{SERVICE}.{self.region}.amazonaws.com/"

    def _call(self, action: str, params: list[tuple[str, str]]):
        endpoint = self.endpoint
        url, headers = sigv4.sign(
            "GET",
            endpoint,
            [("Action", action), ("Version", API_VERSION), *params],
            access_key=self.config["access_key_id"],
            secret_key=self.config["secret_access_key"],
            session_token=self.config.get("session_token") or None,
            region=self.region,
            service=SERVICE,
            now=datetime.now(UTC),
            host=parse_target(endpoint).host_header,
        )
        return self.http.request("GET", url, headers=headers)

    def _document(self, action: str, params: list[tuple[str, str]]) -> ElementTree.Element:
        response = self._call(action, params)
        if not response.ok:
            code = aws_error(response.body)
            detail = f" ({code})" if code else ""
            raise AdapterError(f"HTTP {response.status} {reason(response.status)}{detail}")
        return parse_xml(response.body)

    def probe(self) -> tuple[bool, str]:
        response = self._call("ListMetrics", [("MaxRecords", "1")])
        if response.ok:
            return True, "CloudWatch credentials are valid"
        code = aws_error(response.body)
        return False, f"HTTP {response.status} {reason(response.status)}" + (
            f" ({code})" if code else ""
        )

    def pull(self) -> list[dict]:
        now = datetime.now(UTC).replace(microsecond=0)
        collected = self.attempt(self._alarms)
        for spec in self.config.get("metrics") or DEFAULT_METRICS:
            collected += self.attempt(lambda spec=spec: self._statistics(spec, now))
        return self.gathered(collected)

    def _alarms(self) -> list[dict]:
        root = self._document("DescribeAlarms", [("MaxRecords", "100")])
        result = []
        for member in children(root, "member"):
            name = child_text(member, "AlarmName")
            if not name:
                continue  # a nested member (dimensions, actions), not an alarm
            state = child_text(member, "StateValue")
            console = (
                f"https://console.aws.amazon.com/cloudwatch/home?region={self.region}"
                f"#alarmsV2:alarm/{quote(name, safe='')}"
            )
            result.append(
                points.alert(
                    name,
                    "critical" if state == "ALARM" else "info",
                    STATE_STATUS.get(state, "unknown"),
                    console,
                )
            )
        return result

    def _statistics(self, spec: dict, now: datetime) -> list[dict]:
        namespace = spec.get("namespace") or self.config.get("namespace") or DEFAULT_NAMESPACE
        statistic = spec.get("statistic") or "Average"
        dimensions = spec.get("dimensions") or self.config.get("dimensions") or {}
        params = [
            ("Namespace", namespace),
            ("MetricName", spec["name"]),
            ("StartTime", _iso(now - timedelta(seconds=WINDOW_SECONDS))),
            ("EndTime", _iso(now)),
            ("Period", str(WINDOW_SECONDS)),
            ("Statistics.member.1", statistic),
        ]
        for index, (name, value) in enumerate(sorted(dimensions.items()), start=1):
            params += [
                (f"Dimensions.member.{index}.Name", name),
                (f"Dimensions.member.{index}.Value", value),
            ]
        root = self._document("GetMetricStatistics", params)
        datapoints = []
        for member in children(root, "member"):
            value = points.as_number(child_text(member, statistic))
            stamp = child_text(member, "Timestamp")
            if value is not None:
                datapoints.append((stamp, value))
        if not datapoints:
            return []
        _, latest = max(datapoints)
        labels = {"namespace": namespace, **dimensions}
        return [points.metric(spec["name"], latest, spec.get("unit") or "", labels)]
