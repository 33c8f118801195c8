"""Schema fuzzing: schemathesis generates requests for every operation of the app's own OpenAPI
schema (served at /api/schema) and sends them, authenticated as an organisation admin, through
the app in-process, against a private Docker engine (tests/fuzz/conftest.py).

Every answer must be below 500, match the schema (documented status, content type, headers,
body: the response checks), carry the contract's JSON error body when it is an error, and the
same request without the token must be refused. The request side of the schema describes, it
does not validate (views check bodies with their own strict JSON schemas and parse ids from path
strings), so the checks demanding that the schema accept or reject exactly what the API does
(positive_data_acceptance, negative_data_rejection) are not run.

`make test` sends FUZZ_EXAMPLES (default 20) generated requests per operation, about 2,400;
`make fuzz` sends many more.
"""

import json
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from tests.connections import keep_test_connection
from tests.fuzz.conftest import TARGET_NAME

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=False)]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
MINIMUM_REQUESTS = 2000  # the floor for `make test`
sent: dict[tuple[str, str], int] = {}

schema = schemathesis.openapi.from_wsgi("/api/schema", get_wsgi_application())
schema = schema.exclude(path_regex=r"^/test/")  # the suite's own echo routes (tests/urls.py)

# Path values that name real objects on the fuzz engine: half the generated cases use them, so
# actions reach a real container, image, network and stack instead of stopping at a 404.
KNOWN_PATH_VALUES = {
    "container_id": TARGET_NAME,
    "image": "cockpit-test/busybox:1",
    "network": "ckfuzz-net",
    "name": "ckfuzz",
}


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    known = {key: KNOWN_PATH_VALUES[key] for key in path_parameters if key in KNOWN_PATH_VALUES}
    if not known:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **known}])


# The machine has no registry (pulls go to a dead proxy): an operation whose job is to pull
# answers 502 "Registry unreachable", the right answer for a gateway that failed upstream.
REGISTRY_OPERATIONS = {
    ("POST", "/api/images/pull"),
    ("POST", "/api/containers/{container_id}/rebuild"),
}


def _operation(case) -> tuple[str, str]:
    return case.operation.method.upper(), case.operation.path


def _error_text(response) -> str:
    try:
        return str(json.loads(response.content).get("error", ""))
    except (ValueError, AttributeError):
        return ""


@schemathesis.check
def no_server_error(ctx, response, case):
    if (
        response.status_code == 502
        and _operation(case) in REGISTRY_OPERATIONS
        and "Registry unreachable" in _error_text(response)
    ):
        return None
    return not_a_server_error(ctx, response, case)


@schemathesis.check
def error_contract(ctx, response, case):
    """Every answer of 400 or more is JSON with a string `error` (DESIGN.md), except where the
    schema documents another body for that status (`/health`'s 503 `degraded` report)."""
    if response.status_code < 400:
        return None
    documented = case.operation.definition.raw.get("responses", {}).get(
        str(response.status_code), {}
    )
    body_schema = documented.get("content", {}).get("application/json", {}).get("schema", {})
    if body_schema.get("$ref", "#/components/schemas/Error") != "#/components/schemas/Error":
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"error answered as {content_type!r}"
    body = json.loads(response.content)
    assert isinstance(body, dict), "error body is not an object"
    assert isinstance(body.get("error"), str), "error body has no string `error`"
    return True


@pytest.fixture
def fuzz_settings(settings, tmp_path):
    """Agents can enroll only with a broker they can reach; the fuzz run names one (nothing
    connects to it: no enrollment token is ever valid here)."""
    settings.AGENT_BROKER_URL = "redis://127.0.0.1:9/0"
    os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"], exist_ok=True)
    return settings


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_every_operation(case, fuzz_token, fuzz_settings, network_guard):
    sent[_operation(case)] = sent.get(_operation(case), 0) + 1
    with keep_test_connection():  # the WSGI app is called directly, not through the test client
        case.call_and_validate(
            headers={"Authorization": f"Bearer {fuzz_token}"},
            excluded_checks=[
                positive_data_acceptance,
                negative_data_rejection,
                not_a_server_error,
            ],
            additional_checks=[no_server_error, error_contract],
        )


def test_enough_requests_reached_every_operation(request):
    """Runs after the fuzzing above (same module, defined later): every operation was fuzzed
    and, at the default budget, at least 2,000 requests were sent in all."""
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }
    if request.config.option.keyword or not sent:
        pytest.skip("only a selection of operations was fuzzed")
    assert set(sent) == operations
    total = sum(sent.values())
    print(f"fuzzing sent {total} generated requests over {len(sent)} operations")
    if EXAMPLES >= 20:
        assert total >= MINIMUM_REQUESTS
