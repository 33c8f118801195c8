"""Parsing ENDPOINTS / SSL_DOMAINS, and STRICT_TLS semantics (spec §13.50)."""

import os
import subprocess
import sys

from core.probes.config import Domain, Endpoint, parse_domains, parse_endpoints


def test_endpoint_entries_with_and_without_expected_status():
    parsed = parse_endpoints(
        "API|https://api.example.com/health|204, Web|https://www.example.com , ,"
        "https://bare.example.com/, Typo|https://x.example.com|abc, Big|https://y.example|999"
    )
    assert parsed == [
        Endpoint("API", "https://api.example.com/health", 204),
        Endpoint("Web", "https://www.example.com", 200),
        Endpoint("https://bare.example.com/", "https://bare.example.com/", 200),
        Endpoint("Typo", "https://x.example.com", None),
        Endpoint("Big", "https://y.example", None),
    ]


def test_a_lone_url_is_named_after_itself():
    assert parse_endpoints("http://a.example/") == [
        Endpoint("http://a.example/", "http://a.example/", 200)
    ]


def test_empty_lists():
    assert parse_endpoints("") == []
    assert parse_endpoints(" , ") == []
    assert parse_domains("") == []


def test_domains_default_to_443_and_take_a_port():
    assert parse_domains("example.com, other.example:8443,[::1]:9443,[::1], bad:port, x:0") == [
        Domain("example.com", "example.com", 443),
        Domain("other.example:8443", "other.example", 8443),
        Domain("[::1]:9443", "::1", 9443),
        Domain("[::1]", "::1", 443),
        Domain("bad:port", "bad", None),
        Domain("x:0", "x", None),
    ]


STRICT_TLS_SCRIPT = """
import importlib, os, sys
os.environ["JWT_SECRET"] = "x" * 40
import cockpit.settings as s
for value in sys.argv[1:]:
    if value == "<unset>":
        os.environ.pop("STRICT_TLS", None)
    else:
        os.environ["STRICT_TLS"] = value
    print(value, importlib.reload(s).STRICT_TLS)
"""


def test_only_exactly_false_relaxes_strict_tls():
    values = ["<unset>", "true", "false", "False", "FALSE", "flase", "0", "no", ""]
    env = {k: v for k, v in os.environ.items() if k != "STRICT_TLS"}
    output = subprocess.run(
        [sys.executable, "-c", STRICT_TLS_SCRIPT, *values],
        capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip
    strict = dict(line.rsplit(" ", 1) for line in output.strip().splitlines())
    assert strict == {value: str(value != "false") for value in values}
