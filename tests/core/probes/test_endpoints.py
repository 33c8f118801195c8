"""`GET /api/endpoints` against real HTTP(S) servers on 127.0.0.1."""

import time

import pytest

from core.probes import config, endpoints
from core.probes.config import Endpoint

pytestmark = pytest.mark.django_db


def probe(url: str, expected: int | None = 200, timeout: float = 5) -> dict:
    return endpoints.probe(Endpoint("x", url, expected), config.PLATFORM_POLICY, timeout=timeout)


def test_every_configured_endpoint_is_probed(auth_client, settings, http_server, closed_port):
    settings.ENDPOINTS = (
        f"Good|{http_server}/ok|200,Teapot|{http_server}/teapot,"
        f"Created|{http_server}/created|201,Down|http://127.0.0.1:{closed_port}/"
    )
    response = auth_client("viewer").get("/api/endpoints")
    assert response.status_code == 200
    results = response.json()["endpoints"]
    assert [r["name"] for r in results] == ["Good", "Teapot", "Created", "Down"]
    good, teapot, created, down = results
    assert set(good) == {"name", "url", "status", "expected", "healthy", "responseTime"}
    assert good["url"] == f"{http_server}/ok"
    assert (good["status"], good["expected"], good["healthy"]) == (200, 200, True)
    assert isinstance(good["responseTime"], int)
    assert good["responseTime"] >= 0
    assert (teapot["status"], teapot["expected"], teapot["healthy"]) == (418, 200, False)
    assert "error" not in teapot
    assert (created["status"], created["healthy"]) == (201, True)
    assert down["status"] is None
    assert down["healthy"] is False
    assert down["error"] == "Connection refused"


def test_no_endpoints_configured_is_an_empty_list(auth_client, settings):
    settings.ENDPOINTS = ""
    assert auth_client("viewer").get("/api/endpoints").json() == {"endpoints": []}


def test_redirects_are_followed(http_server):
    result = probe(f"{http_server}/moved")
    assert (result["status"], result["healthy"]) == (200, True)


def test_a_timeout_reports_the_timeout_as_response_time(http_server):
    result = probe(f"{http_server}/slow", timeout=0.5)
    assert result["status"] is None
    assert result["healthy"] is False
    assert result["error"] == "Request timed out"
    assert result["responseTime"] == 500


def test_probes_run_in_parallel(http_server):
    slow = [Endpoint(f"s{i}", f"{http_server}/slow", 200) for i in range(4)]
    started = time.monotonic()
    results = endpoints.probe_all(slow, config.PLATFORM_POLICY, timeout=1.0)
    assert time.monotonic() - started < 2.5  # four 1 s timeouts, not four in a row
    assert [r["error"] for r in results] == ["Request timed out"] * 4


def test_a_bad_expected_status_or_url_is_reported_not_raised(http_server):
    assert probe(f"{http_server}/ok", expected=None)["error"] == "Invalid expected status"
    result = probe("ftp://example.com/")
    assert (result["status"], result["healthy"]) == (None, False)
    assert result["error"] == "URL must be http or https"


def test_strict_tls_refuses_a_self_signed_certificate(settings, tls_server):
    server = tls_server(days=30)
    settings.STRICT_TLS = True
    result = probe(f"https://127.0.0.1:{server.port}/ok")
    assert result["status"] is None
    assert result["error"] == "TLS error: certificate verify failed"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_strict_tls_false_accepts_a_self_signed_certificate(settings, tls_server):
    server = tls_server(days=30)
    settings.STRICT_TLS = False
    result = probe(f"https://127.0.0.1:{server.port}/ok")
    assert (result["status"], result["healthy"]) == (200, True)


def test_cloud_metadata_stays_refused_although_private_targets_are_allowed():
    result = probe("http://169.254.169.254/latest/meta-data/")
    assert result["status"] is None
    assert result["error"] == "URL cannot target private/internal addresses"


def test_anonymous_is_401(api_client):
    assert api_client.get("/api/endpoints").status_code == 401
