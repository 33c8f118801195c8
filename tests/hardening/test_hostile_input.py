"""Hostile input, item by item (issue 8). This file is the index: each section either tests the
item here or names where the per-feature tests already cover it; every answer must be a clean
4xx with the JSON error body, never a 500, and nothing hostile may take effect."""

import base64
import json
import time

import jwt
import pytest
from rest_framework.exceptions import PermissionDenied

from core.api.text import unsafe_character
from core.containers import exec_policy, log_search
from core.containers.params import BadRequest
from core.stacks.file_refs import UnsafeFileReference, refuse_outside_files
from tests.network_guard import loopback_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(auth_client):
    client = auth_client("admin")
    client.raise_request_exception = False  # a crash must show as the 500 a client would get
    return client


def post_raw(client, path: str, body: bytes, content_type="application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str)
    return body


# --- Bodies over the limit ----------------------------------------------------------------------
# More in tests/core/test_error_contract.py (413 over MAX_BODY_BYTES, configurable limit) and
# tests/core/stacks/test_deployments.py (the compose route's own, larger limit).


@pytest.mark.parametrize("path", ["/api/webhooks", "/api/alerts/rules", "/auth/login", "/"])
def test_bodies_over_the_limit_are_413_everywhere(admin, path, settings):
    body = b'{"name": "' + b"x" * (settings.MAX_BODY_BYTES + 10) + b'"}'
    assert_json_error(post_raw(admin, path, body), 413)


def test_a_lying_content_length_is_400(admin):
    response = admin.generic(
        "POST", "/api/webhooks", b"{}", content_type="application/json", CONTENT_LENGTH="-5x"
    )
    assert_json_error(response, 400)


# --- Deeply nested JSON (found here: RecursionError answered 500) ------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,  # Python's decoder recursion limit
        b'{"a":' * 40 + b"1" + b"}" * 40,  # under the body limit and the recursion limit
        b'{"name": "x", "url": ' + b"[" * 33 + b"]" * 33 + b"}",
    ],
    ids=["recursion", "deep-object", "deep-value"],
)
def test_deeply_nested_json_is_400(admin, body):
    error = assert_json_error(post_raw(admin, "/api/webhooks", body), 400)["error"]
    assert "nested deeper than 32 levels" in error


def test_nesting_within_the_limit_is_parsed(admin):
    body = b'{"name": "x", "url": "https://example.com", "headers": ' + b"[" * 20 + b"]" * 20
    response = post_raw(admin, "/api/webhooks", body + b"}")
    assert response.status_code == 400
    assert "nested" not in response.json()["error"]  # the view's own validation answered


# --- Non-UTF-8 bytes -----------------------------------------------------------------------------


def test_non_utf8_body_is_400(admin):
    error = assert_json_error(post_raw(admin, "/api/webhooks", b'{"name": "\xff\xfe"}'), 400)
    assert error["error"].startswith("Malformed request body")


@pytest.mark.parametrize(
    "path",
    ["/api/containers/%ff%fe", "/api/audit?limit=%ff", "/api/stacks/%c0%ae%c0%ae", "/api/%ff"],
)
def test_non_utf8_in_the_url_is_a_clean_4xx(admin, path):
    response = admin.get(path)
    assert 400 <= response.status_code < 500
    assert isinstance(response.json()["error"], str)


def test_non_ascii_header_bytes_are_harmless(admin):
    response = admin.get("/api/health", HTTP_X_REQUEST_ID="caf\xe9\xff")
    assert response.status_code == 200
    assert response["X-Request-ID"] != "caf\xe9\xff"


# --- NUL, unicode and control characters in names (found here: NUL and escapes stored) -------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/webhooks", {"name": "a\x00b", "url": "https://example.com/h"}),
        ("/api/keys", {"name": "a\x00b"}),
        (
            "/api/alerts/rules",
            {"name": "cpu", "metric": "cpu_percent\x00", "operator": ">", "threshold": 1},
        ),
    ],
)
def test_nul_in_any_body_string_is_400(admin, path, body):
    """PostgreSQL cannot store NUL: refused by the parser for every route."""
    error = assert_json_error(admin.post(path, body, format="json"), 400)["error"]
    assert "NUL" in error


@pytest.mark.parametrize(
    "path", ["/api/overview?host=%00", "/api/alerts/events?severity=a%00", "/api/stacks/a%00b"]
)
def test_nul_in_the_url_is_400(admin, path):
    assert "NUL" in assert_json_error(admin.get(path), 400)["error"]


HOSTILE_NAMES = ["esc\x1b[31mred", "line\nforged: entry", "bell\x07", "\u202egnp.exe", "a\x7fb"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/api/webhooks", {"url": "https://example.com/h"}),
        ("/api/keys", {}),
        ("/api/alerts/rules", {"metric": "cpu_percent", "operator": ">", "threshold": 90}),
    ],
)
def test_control_and_bidi_characters_in_names_are_400(admin, path, extra, name):
    with loopback_only():
        response = admin.post(path, {"name": name, **extra}, format="json")
    assert_json_error(response, 400)


@pytest.mark.parametrize("name", ["Ünïcødé 名前", "🚀 deploy", "ﻣﺮﺣﺒﺎ", "Ω≈ç√∫"])
def test_unicode_names_are_kept_exactly(admin, name):
    response = admin.post("/api/keys", {"name": name}, format="json")
    assert response.status_code == 201
    listed = admin.get("/api/keys").json()["keys"]
    assert [key["name"] for key in listed] == [name]


def test_unsafe_character_finder():
    assert unsafe_character("tab\there") == "U+0009"
    assert unsafe_character("zero\u2066width") == "U+2066"
    assert unsafe_character("plain ascii and Ünïcode") is None


# --- Numbers a database cannot hold --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"name":"r","metric":"cpu_percent","operator":">","threshold":1e400}',
        b'{"name":"r","metric":"cpu_percent","operator":">","threshold":NaN}',
        b'{"name":"r","metric":"cpu_percent","operator":">","threshold":99999999999999999999999}',
    ],
    ids=["overflow-to-infinity", "nan", "beyond-64-bits"],
)
def test_numbers_the_database_cannot_hold_are_400(admin, body):
    assert_json_error(post_raw(admin, "/api/alerts/rules", body), 400)


def test_huge_offsets_answer_an_empty_page(admin):
    """Found by hand: an offset past 64 bits reached SQLite and answered 500."""
    response = admin.get("/api/audit?offset=99999999999999999999999999")
    assert response.status_code == 200
    assert response.json()["logs"] == []


# --- Path traversal in stack names, compose files and the files they name ----------------------
# Names: tests/core/stacks/test_deployments.py::test_unsafe_or_non_compose_names_are_400
# (`../../etc`, `..`, `a/b`, `/abs`, `.env` ...); image references:
# tests/core/resources/test_image_reference.py.


@pytest.mark.parametrize(
    "path", ["/api/stacks/..%2F..%2Fetc", "/api/stacks/%2e%2e", "/api/stacks/..%5c..%5cetc"]
)
def test_traversal_in_stack_paths_is_refused(admin, path):
    response = admin.get(path)
    assert response.status_code in (400, 404)
    assert isinstance(response.json()["error"], str)


COMPOSE_ESCAPES = [
    "services:\n  app:\n    image: x\n    env_file: ../../../../etc/passwd\n",
    "services:\n  app:\n    image: x\n    env_file:\n      - path: /data/jwt_secret\n",
    "services:\n  app:\n    image: x\n    env_file: ${HOME}/.ssh/id_rsa\n",
    "services:\n  app:\n    image: x\n    label_file: ~/secrets\n",
    "services:\n  app:\n    build: ../..\n",
    "services:\n  app:\n    build:\n      context: /\n",
    "services:\n  app:\n    image: x\n    extends:\n      file: ../other/compose.yaml\n"
    "      service: web\n",
    "include:\n  - ../../other/compose.yaml\nservices: {}\n",
    "secrets:\n  s:\n    file: /etc/shadow\nservices:\n  app:\n    image: x\n",
    "configs:\n  c:\n    file: ..\\..\\win\nservices:\n  app:\n    image: x\n",
]


@pytest.mark.parametrize("compose", COMPOSE_ESCAPES)
def test_compose_files_may_not_name_files_outside_their_project(compose):
    """Found here: compose reads these on the control plane, so a deployment could read the
    control plane's secrets (JWT_SECRET's file) into a container."""
    with pytest.raises(UnsafeFileReference):
        refuse_outside_files(compose)


@pytest.mark.parametrize(
    "compose",
    [
        "services:\n  app:\n    image: x\n    env_file: app.env\n    build: ./src\n",
        "services:\n  app:\n    build:\n      context: https://example.com/repo.git\n",
        "services:\n  app:\n    image: x\n    volumes:\n      - data:/data\nvolumes:\n  data: {}\n",
        "not: [valid",  # left to compose's own 400
    ],
)
def test_files_inside_the_project_and_remote_contexts_pass(compose):
    refuse_outside_files(compose)


def test_the_route_answers_400_before_compose_runs(admin):
    response = admin.post(
        "/api/stacks", {"name": "escape", "compose": COMPOSE_ESCAPES[1]}, format="json"
    )
    assert "inside the project directory" in assert_json_error(response, 400)["error"]


# --- Header injection through X-Request-ID ------------------------------------------------------
# More in tests/core/test_error_contract.py::test_unsafe_request_id_is_replaced_by_a_uuid.


@pytest.mark.parametrize(
    "value", ["id\r\nSet-Cookie: stolen=1", "id\nX-Evil: 1", "id\x00", "<script>", "a" * 200]
)
def test_request_id_cannot_inject_headers(admin, value):
    response = admin.get("/api/health", HTTP_X_REQUEST_ID=value)
    echoed = response["X-Request-ID"]
    assert echoed != value
    assert not set(echoed) & {"\r", "\n", "\x00"}
    assert "stolen" not in str(response.cookies)
    assert not response.has_header("X-Evil")


# --- Catastrophic regular expressions in log search ---------------------------------------------
# End to end against a real container: tests/core/containers/test_logs.py
# ::test_a_catastrophic_pattern_returns_quickly and ::test_search_errors.


@pytest.mark.parametrize(
    "pattern", ["(a+)+$", "(a|aa)+$", "(.*a){20}", "^(([a-z])+.)+[A-Z]([a-z])+$"]
)
def test_catastrophic_patterns_are_refused_or_linear(pattern):
    lines = ["a" * 5000 + "!"] * 50
    started = time.monotonic()
    try:
        match = log_search.matcher(log_search.LogSearch(query=pattern, regex=True, context=0))
    except BadRequest:
        return  # refused up front: fine
    for line in lines:
        match(line)
    assert time.monotonic() - started < 1.0  # RE2 is linear in the input


# --- SSRF in every URL a user can set -----------------------------------------------------------
# The policy itself: tests/core/outbound/test_policy.py (every inet_aton form, IPv4-mapped and
# -compatible IPv6, NAT64/6to4, metadata names, names resolving to private ranges with an
# injected resolver, allow-lists) and tests/core/outbound/test_fetch.py (DNS rebinding, redirects
# into private ranges re-vetted and refused, https->http). The push endpoint (EXPO_PUSH_URL) is
# set by the operator's environment, not by users; push tokens are not URLs
# (tests/core/push/). Here: the URLs users set, through the API, in a strict organisation.

SSRF_URLS = [
    "http://2130706433/",  # decimal 127.0.0.1
    "http://017700000001/",  # octal
    "http://0x7f000001/",  # hex
    "http://0x7f.0.0.1/",
    "http://127.1/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",  # mapped metadata address
    "http://[::1]/",
    "http://localhost./",
    "http://LOCALHOST/",
    "http://app.localhost/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/",
    "http://10.0.0.1/",
    "http://192.168.1.1:8080/",
    "http://0.0.0.0/",
    "http://[fd00::1]/",
    "http://100.64.0.1/",
]


@pytest.mark.parametrize("url", SSRF_URLS)
def test_webhook_urls_refuse_every_private_form(admin, url):
    with loopback_only():
        response = admin.post("/api/webhooks", {"name": "hook", "url": url}, format="json")
    assert_json_error(response, 400)


@pytest.mark.parametrize("url", SSRF_URLS)
def test_integration_urls_refuse_every_private_form(admin, url):
    body = {"adapter": "prometheus", "name": "prom", "config": {"url": url}}
    with loopback_only():
        response = admin.post("/api/integrations", body, format="json")
    assert_json_error(response, 400)


# --- Command injection through exec -------------------------------------------------------------
# End to end: tests/core/containers/test_actions.py::test_exec_refuses_anything_else.


@pytest.mark.parametrize(
    "command",
    [
        "whoami; rm -rf /", "whoami && id", "whoami || id", "whoami | sh", "$(id)", "`id`",
        "whoami\nid", "whoami\r\nid", "whoami > /etc/passwd", "whoami & id", "ls -la / ; id",
        "date${IFS}-s", "hostname 'x'", "uptime \\", "cat /etc/shadow", "sh -c whoami",
        "ps aux --sort=x", " whoami ;",
    ],
)  # fmt: skip
def test_exec_injection_attempts_are_refused(command):
    with pytest.raises((BadRequest, PermissionDenied)):
        exec_policy.argv_for(command)


def test_exec_allowed_commands_run_without_a_shell():
    assert exec_policy.argv_for("ls -la /") == ["ls", "-la", "/"]


# --- JWT tampering ------------------------------------------------------------------------------
# The full matrix (alg none, wrong key, HS512, refresh used as access, unknown role/kind, no exp,
# a flipped signature byte, a changed claim): tests/core/accounts/test_authentication.py; other
# organisations' objects answering 404: tests/core/accounts/test_cross_tenant.py and each
# feature's cross-tenant test.


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_tampered_tokens_are_401(token_for, settings, api_client):
    claims = _claims_of(token_for("admin"))
    forged = {
        "alg-none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}.",
        "alg-None": f"{_segment({'alg': 'None', 'typ': 'JWT'})}.{_segment(claims)}.",
        "wrong-key": jwt.encode(claims, "not-the-secret-" * 4, algorithm="HS256"),
        "expired": jwt.encode({**claims, "exp": int(time.time()) - 1}, settings.JWT_SECRET),
        "promoted": jwt.encode({**claims, "role": "owner"}, "guess"),
    }
    for name, token in forged.items():
        response = api_client.get("/api/webhooks", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401, name
        assert response.json()["error"] in ("Invalid token", "Token expired"), name


def test_another_organisations_token_sees_nothing_of_this_one(org, other_org, auth_client):
    mine = auth_client("admin", org)
    created = mine.post("/api/keys", {"name": "ours"}, format="json").json()  # a row of `org`
    theirs = auth_client("admin", other_org)
    assert theirs.get("/api/keys").json()["keys"] == []
    assert theirs.delete(f"/api/keys/{created['id']}").status_code == 404
    assert mine.get("/api/keys").json()["keys"][0]["active"] is True
