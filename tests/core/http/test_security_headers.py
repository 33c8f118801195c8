"""Security headers (spec §10.3) and FORCE_HTTPS."""

import re

import pytest

pytestmark = pytest.mark.django_db

API_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; media-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; upgrade-insecure-requests; "
    "script-src-attr 'none'"
)
EXPECTED = {
    "Content-Security-Policy": API_CSP,
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Origin-Agent-Cluster": "?1",
    "X-DNS-Prefetch-Control": "off",
    "X-Download-Options": "noopen",
    "X-Permitted-Cross-Domain-Policies": "none",
    "X-XSS-Protection": "0",
}


def assert_api_headers(response):
    for name, value in EXPECTED.items():
        assert response[name] == value, name
    assert "X-Powered-By" not in response


def test_api_response_headers(client):
    response = client.get("/source")
    assert response.status_code == 200
    assert_api_headers(response)
    assert "Strict-Transport-Security" not in response


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/no/such/route", 404), ("delete", "/source", 405), ("options", "/source", 204)],
)
def test_errors_and_preflights_carry_them_too(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert_api_headers(response)


def test_oversized_body_refusal_carries_them(client, settings):
    settings.MAX_BODY_BYTES = 8
    response = client.post("/test/echo", data={"x": "y" * 50}, content_type="application/json")
    assert response.status_code == 413
    assert_api_headers(response)


def _page_csp(response):
    csp = response["Content-Security-Policy"]
    assert csp != API_CSP
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    return csp


def test_admin_pages_get_a_csp_their_assets_can_live_with(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    _page_csp(response)
    assert response["X-Frame-Options"] == "DENY"


def test_api_docs_load_under_their_csp(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    _page_csp(page)
    html = page.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts, html
    assert all("src=" in tag for tag in scripts), "an inline script would be blocked"
    script = client.get("/api/docs?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]


@pytest.fixture
def force_https(settings):
    settings.FORCE_HTTPS = True
    settings.SECURE_SSL_REDIRECT = True


def test_force_https_redirects_plain_http(client, force_https):
    response = client.get("/source?x=1", HTTP_HOST="cockpit.example.test")
    assert response.status_code == 301
    assert response["Location"] == "https://cockpit.example.test/source?x=1"


def test_force_https_honours_x_forwarded_proto(client, force_https):
    response = client.get("/source", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert client.get("/source", HTTP_X_FORWARDED_PROTO="http").status_code == 301


def test_hsts_only_with_force_https(client):
    assert "Strict-Transport-Security" not in client.get("/source", secure=True)
