"""Every response with status >= 400 is JSON {"error": ...}, whatever produced it."""

import logging

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    return body


def test_unknown_route_is_json_404(client):
    body = assert_json_error(client.get("/no/such/route"), 404)
    assert body == {"error": "Not found"}


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/health")
    assert_json_error(response, 405)
    assert "GET" in response["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/test/echo", data="{not json", content_type="application/json")
    body = assert_json_error(response, 400)
    assert body["error"].startswith("Malformed request body")


def test_body_over_the_limit_is_413(client, settings):
    body = '{"data": "' + "x" * settings.MAX_BODY_BYTES + '"}'
    response = client.post("/test/echo", data=body, content_type="application/json")
    assert assert_json_error(response, 413) == {
        "error": f"Request body too large (max {settings.MAX_BODY_BYTES} bytes)"
    }


def test_body_limit_is_configurable(client, settings):
    settings.MAX_BODY_BYTES = 64
    response = client.post("/test/echo", data={"data": "x" * 100}, content_type="application/json")
    assert_json_error(response, 413)


def test_body_under_the_limit_passes(client):
    response = client.post("/test/echo", data={"hello": "world"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"hello": "world"}


def test_forced_500_is_generic_json_and_logged_with_request_id(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test/boom", HTTP_X_REQUEST_ID="trace-500")
    body = assert_json_error(response, 500)
    assert body == {"error": "Internal server error"}
    assert "secret detail" not in response.content.decode()
    assert response["X-Request-ID"] == "trace-500"
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records, "the crash must be logged"
    assert records[-1].request_id == "trace-500"
    assert "secret detail" in records[-1].exc_text


@override_settings(DEBUG=True)
def test_errors_stay_json_in_debug_mode():
    client = Client(raise_request_exception=False)
    assert_json_error(client.get("/no/such/route"), 404)
    assert_json_error(client.get("/test/boom"), 500)


def test_request_id_is_echoed_when_safe(client):
    response = client.get("/", HTTP_X_REQUEST_ID="abc.DEF_123-x")
    assert response["X-Request-ID"] == "abc.DEF_123-x"


@pytest.mark.parametrize(
    "hostile",
    ["a" * 129, "bad id", "inject\r\nX-Evil: 1", "semi;colon", "ünïcode"],
)
def test_unsafe_request_id_is_replaced_by_a_uuid(client, hostile):
    response = client.get("/", HTTP_X_REQUEST_ID=hostile)
    echoed = response["X-Request-ID"]
    assert echoed != hostile
    assert len(echoed) == 36
    assert echoed.count("-") == 4


def test_request_id_is_generated_when_absent(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert first != second


def test_errors_carry_the_request_id(client):
    response = client.get("/missing", HTTP_X_REQUEST_ID="rid-404")
    assert response["X-Request-ID"] == "rid-404"


def test_admin_keeps_its_html_pages(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
