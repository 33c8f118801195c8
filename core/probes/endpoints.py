"""`GET /api/endpoints`: one GET per configured endpoint, all at once, through core.outbound.

Result per endpoint (spec §3.2): `{name, url, status, expected, healthy, responseTime}` plus
`error` when no HTTP answer came (then `status` is null). `healthy` is status == expected.
A timeout reports `responseTime` = the timeout (15000) and `error: "Request timed out"`.
Redirects are followed (up to MAX_REDIRECTS, each hop vetted by the same policy), as the
original's fetch did; the body is read but capped, nothing of it is returned.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import urllib3
from django.conf import settings

from core.outbound import OutboundError, OutboundTimeout, Policy, fetch
from core.probes.config import Endpoint

TIMEOUT_SECONDS = 15.0
MAX_REDIRECTS = 5
MAX_BODY_BYTES = 64 * 1024
MAX_PARALLEL = 16
TIMED_OUT = "Request timed out"
INVALID_EXPECTED = "Invalid expected status"

# STRICT_TLS=false is the operator's explicit choice: no warning per unverified probe.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def _result(endpoint: Endpoint, status, response_time: int, error: str | None = None) -> dict:
    result = {
        "name": endpoint.name,
        "url": endpoint.url,
        "status": status,
        "expected": endpoint.expected,
        "healthy": status is not None and status == endpoint.expected,
        "responseTime": response_time,
    }
    if error is not None:
        result["error"] = error
    return result


def probe(endpoint: Endpoint, policy: Policy, *, timeout: float = TIMEOUT_SECONDS) -> dict:
    if endpoint.expected is None:
        return _result(endpoint, None, 0, INVALID_EXPECTED)
    started = time.monotonic()
    try:
        response = fetch(
            "GET",
            endpoint.url,
            policy=policy,
            timeout=timeout,
            max_redirects=MAX_REDIRECTS,
            max_response_bytes=MAX_BODY_BYTES,
            truncate=True,
            verify_tls=settings.STRICT_TLS,
        )
    except OutboundTimeout:
        return _result(endpoint, None, round(timeout * 1000), TIMED_OUT)
    except OutboundError as exc:
        elapsed = round((time.monotonic() - started) * 1000)
        return _result(endpoint, None, elapsed, exc.message)
    return _result(endpoint, response.status, response.elapsed_ms)


def probe_all(
    endpoints: list[Endpoint], policy: Policy, *, timeout: float = TIMEOUT_SECONDS
) -> list[dict]:
    """Every endpoint in parallel, results in configuration order."""
    if not endpoints:
        return []
    with ThreadPoolExecutor(min(MAX_PARALLEL, len(endpoints))) as pool:
        return list(pool.map(lambda endpoint: probe(endpoint, policy, timeout=timeout), endpoints))
