"""CORS (spec §10.3): `*` without an allow-list, echo + credentials with one; OPTIONS 204."""

import pytest

pytestmark = pytest.mark.django_db
ALLOWED = "https://app.example.test"
PREFLIGHT = {"HTTP_ORIGIN": ALLOWED, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}


@pytest.fixture
def allow_list(settings):
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]
    settings.CORS_ALLOW_CREDENTIALS = True


def _vary(response):
    return [part.strip().lower() for part in response.get("Vary", "").split(",")]


def test_without_allow_list_any_origin_gets_star(client):
    response = client.get("/source", HTTP_ORIGIN="https://anything.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert response["Access-Control-Expose-Headers"] == (
        "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, Retry-After"
    )


def test_preflight_answers_204_with_the_allowed_headers_and_methods(client):
    response = client.options("/api/audit", **PREFLIGHT)
    assert response.status_code == 204
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Headers"] == "Authorization, Content-Type, X-Request-ID"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    assert response["Access-Control-Max-Age"] == "86400"


@pytest.mark.parametrize("path", ["/", "/health", "/api/audit", "/no/such/route", "/test/echo"])
def test_every_options_is_204_even_without_origin(client, path):
    response = client.options(path)
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response


def test_listed_origin_is_echoed_with_credentials(client, allow_list):
    response = client.get("/source", HTTP_ORIGIN=ALLOWED)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "origin" in _vary(response)
    preflight = client.options("/api/audit", **PREFLIGHT)
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == ALLOWED


def test_unlisted_origin_gets_no_cors_headers_but_is_served(client, allow_list):
    response = client.get("/source", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options("/api/audit", HTTP_ORIGIN="https://evil.example")
    assert preflight.status_code == 204
    assert "Access-Control-Allow-Origin" not in preflight


def test_refusals_carry_cors_headers_so_browsers_can_read_them(client, settings, ip):
    settings.RATE_LIMIT_MAX = 1
    client.get("/source", REMOTE_ADDR=ip)
    response = client.get("/source", REMOTE_ADDR=ip, HTTP_ORIGIN="https://a.example")
    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == "*"
