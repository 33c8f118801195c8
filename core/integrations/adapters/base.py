"""The adapter contract (spec §3.10) and what every adapter shares.

An adapter class declares `name`, `display_name`, `config_schema` (a JSON schema, published by
`GET /api/integrations/adapters` and enforced by `validate_config`) and implements:

- `check_config(config)`: rules a schema cannot say (URLs, combinations); raise ConfigInvalid;
- `probe()`: one cheap request → (ok, message); `test_connection()` wraps it, timing it and
  turning any failure into `{ok: False, message}`: it never raises;
- `pull()`: the normalized points (core.integrations.points) of one poll.

All HTTP goes through `self.http` (core.outbound.fetch under the organisation's policy).
Sub-requests: a failed one is skipped (as the original did), but when every sub-request of a
poll fails the poll fails with the first error, so an unreachable source is reported as one.
"""

import base64
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from core.outbound import STRICT, OutboundError, OutboundResponse, Policy, fetch
from core.outbound.targets import parse_target

log = logging.getLogger(__name__)

VERSION = "1.0.0"
DEFAULT_TIMEOUT = 10.0
NOT_IMPLEMENTED = "not implemented"


class ConfigInvalid(ValueError):
    """The config does not suit the adapter; the message is shown to the user (400)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AdapterError(Exception):
    """A poll or probe failed for a reason safe to show (never a secret)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def safe_message(exc: Exception) -> str:
    """What users see of a failure: our own messages, never an arbitrary exception's text."""
    if isinstance(exc, OutboundError | AdapterError | ConfigInvalid):
        return exc.message
    if isinstance(exc, NotImplementedError):
        return str(exc) or NOT_IMPLEMENTED
    return "Unexpected error while talking to the data source"


def join_url(base: str, path: str, params: dict | list | None = None) -> str:
    url = base.rstrip("/") + path
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
    return url


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class VendorHttp:
    """HTTP to one vendor under the organisation's outbound policy."""

    def __init__(self, policy: Policy, timeout: float = DEFAULT_TIMEOUT):
        self.policy = policy
        self.timeout = timeout

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        body: bytes | None = None,
        timeout: float | None = None,
    ) -> OutboundResponse:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        return fetch(
            method,
            url,
            policy=self.policy,
            headers=headers,
            body=body,
            timeout=timeout or self.timeout,
            max_response_bytes=settings.INTEGRATIONS_MAX_RESPONSE_BYTES,
        )

    def json(self, method: str, url: str, **kwargs) -> Any:
        """The decoded JSON body of a 2xx answer; AdapterError otherwise."""
        response = self.request(method, url, **kwargs)
        if not response.ok:
            raise AdapterError(f"HTTP {response.status} {reason(response.status)}")
        try:
            return response.json()
        except ValueError:
            raise AdapterError("The response is not valid JSON") from None


def _error_path(error) -> str:
    path = "config"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _schema_message(error) -> str:
    path = _error_path(error)
    rule, expected = error.validator, error.validator_value
    if rule == "required":
        missing = next(
            (name for name in expected if isinstance(error.instance, dict)
             and name not in error.instance),
            expected[0],
        )  # fmt: skip
        return f"{path}.{missing} is required"
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"{path} must be {' or '.join(kinds)}"
    if rule == "enum":
        return f"{path} must be one of: {', '.join(map(str, expected))}"
    if rule == "minLength":
        return f"{path} must not be empty" if expected == 1 else f"{path} is too short"
    if rule == "maxLength":
        return f"{path} must be at most {expected} characters"
    if rule in ("minimum", "maximum"):
        word = "at least" if rule == "minimum" else "at most"
        return f"{path} must be {word} {expected}"
    if rule == "minItems":
        return f"{path} must have at least {expected} item(s)"
    if rule == "maxItems":
        return f"{path} must have at most {expected} items"
    if rule == "pattern":
        return f"{path} has an invalid format"
    if rule == "additionalProperties":
        return f"{path} has an unknown key"
    return f"{path} is invalid"


def require_url(config: dict, key: str = "url") -> None:
    """The URL parses as an outbound target (http/https, no credentials in it)."""
    value = config.get(key)
    if value is None:
        return
    try:
        parse_target(value)
    except OutboundError as exc:
        raise ConfigInvalid(f"config.{key}: {exc.message}") from None


@dataclass(frozen=True)
class Context:
    """What the poll engine tells an adapter about the integration it serves."""

    integration_id: str = ""
    poll_interval: int | None = None


class Adapter:
    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    version: ClassVar[str] = VERSION
    config_schema: ClassVar[dict] = {"type": "object"}
    url_keys: ClassVar[tuple[str, ...]] = ()  # config keys holding URLs the adapter calls

    def __init__(self, config: dict, *, policy: Policy = STRICT, context: Context | None = None):
        self.config = config
        self.http = VendorHttp(policy)
        self.context = context or Context()
        self._sub_errors: list[Exception] = []
        self._sub_successes = 0

    # --- config ---------------------------------------------------------------------------
    @classmethod
    def validate_config(cls, config: Any) -> None:
        """Raise ConfigInvalid with a message naming the first problem."""
        if not isinstance(config, dict):
            raise ConfigInvalid("config must be object")
        error = best_match(Draft202012Validator(cls.config_schema).iter_errors(config))
        if error is not None:
            raise ConfigInvalid(_schema_message(error))
        for key in cls.url_keys:
            require_url(config, key)
        cls.check_config(config)

    @classmethod
    def check_config(cls, config: dict) -> None:
        """Rules beyond the schema; subclasses override."""

    @classmethod
    def describe(cls) -> dict:
        return {
            "name": cls.name,
            "displayName": cls.display_name,
            "version": cls.version,
            "configSchema": cls.config_schema,
        }

    def target_urls(self) -> list[str]:
        return [self.config[key] for key in self.url_keys if self.config.get(key)]

    # --- the contract -----------------------------------------------------------------------
    def probe(self) -> tuple[bool, str]:
        raise NotImplementedError(f"{self.name or 'adapter'}: testConnection {NOT_IMPLEMENTED}")

    def pull(self) -> list[dict]:
        raise NotImplementedError(f"{self.name or 'adapter'}: pull {NOT_IMPLEMENTED}")

    def test_connection(self) -> dict:
        """{ok, message, latencyMs}; never raises."""
        started = time.monotonic()
        try:
            ok, message = self.probe()
        except Exception as exc:
            if not isinstance(exc, OutboundError | AdapterError | NotImplementedError):
                log.exception("%s connection test failed unexpectedly", self.name)
            ok, message = False, safe_message(exc)
        return {
            "ok": bool(ok),
            "message": message,
            "latencyMs": round((time.monotonic() - started) * 1000),
        }

    # --- sub-requests of a pull -------------------------------------------------------------
    def attempt(self, step: Callable[[], list[dict]]) -> list[dict]:
        """Run one sub-request of a pull; a failure is remembered and skipped."""
        try:
            points = step()
        except (
            OutboundError,
            AdapterError,
            ValueError,
            LookupError,
            TypeError,
            AttributeError,
        ) as exc:
            log.info("%s sub-request skipped: %s", self.name, safe_message(exc))
            self._sub_errors.append(exc)
            return []
        self._sub_successes += 1
        return points

    def gathered(self, points: list[dict]) -> list[dict]:
        """The points of a pull, or the first error when every sub-request failed."""
        errors, successes = self._sub_errors, self._sub_successes
        self._sub_errors, self._sub_successes = [], 0
        if errors and not successes:
            first = errors[0]
            if isinstance(first, OutboundError | AdapterError):
                raise first
            raise AdapterError("The data source answered in an unexpected format")
        return points
