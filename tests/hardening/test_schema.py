"""The served OpenAPI schema tells the truth about answers (what schema fuzzing, tests/fuzz,
checks on every response): error statuses documented with the contract's body, creates as 201,
deletes as 200 with a body, and a 304 without one."""

import pytest
from rest_framework.renderers import JSONRenderer

from core.docker.errors import DockerNotModified
from core.http.errors import exception_handler


@pytest.fixture(scope="module")
def served_schema():
    from django.test import Client

    response = Client().get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def responses_of(schema, method, path) -> dict:
    return schema["paths"][path][method.lower()]["responses"]


def test_every_operation_documents_the_error_contract(served_schema):
    error = served_schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, operations in served_schema["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            for status in ("400", "401", "404", "405", "413", "429"):
                assert status in documented, f"{method.upper()} {path} lacks {status}"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/keys", "201"),
        ("POST", "/api/networks", "201"),
        ("POST", "/api/volumes", "201"),
        ("POST", "/api/webhooks", "201"),
        ("POST", "/api/alerts/rules", "201"),
        ("POST", "/api/integrations", "201"),
        ("POST", "/api/schedules", "201"),
        ("POST", "/api/schedules/{schedule_id}/run", "202"),
        ("POST", "/auth/users", "201"),
        ("DELETE", "/api/stacks/{name}", "202"),
        ("DELETE", "/api/networks/{network}", "200"),
        ("DELETE", "/api/webhooks/{webhook_id}", "200"),
    ],
)
def test_success_statuses_match_the_views(served_schema, method, path, status):
    assert status in responses_of(served_schema, method, path)


@pytest.mark.parametrize("action", ["start", "stop"])
def test_container_start_stop_document_304(served_schema, action):
    """The original's passthrough of Docker's 304 (spec §3.3) is in the schema."""
    assert "304" in responses_of(
        served_schema, "POST", f"/api/containers/{{container_id}}/{action}"
    )


@pytest.mark.parametrize("path", ["/api/hosts", "/api/hosts/{host_id}/enrollment"])
def test_host_creates_document_201(served_schema, path):
    """Host creation and enrollment tokens answer 201, and say so."""
    assert "201" in responses_of(served_schema, "POST", path)


def test_not_modified_has_no_body():
    """Found by fuzzing: a 304 carried `{"error": "Not modified"}`; a body on a 304 is read by
    keep-alive clients as the start of the next response."""
    response = exception_handler(DockerNotModified(), {})
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    assert response.status_code == 304
    assert response.rendered_content == b""
