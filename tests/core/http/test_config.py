"""Request-security settings come from the environment with the original's names."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROBE = (
    "import json, cockpit.settings as s; print(json.dumps({name: getattr(s, name) for name in ["
    "'CORS_ALLOW_ALL_ORIGINS', 'CORS_ALLOWED_ORIGINS', 'CORS_ALLOW_CREDENTIALS', 'FORCE_HTTPS', "
    "'SECURE_SSL_REDIRECT', 'RATE_LIMIT_MAX', 'RATE_LIMIT_STRICT_MAX', 'TRUSTED_PROXY_HOPS']}))"
)


def _settings_with(tmp_path, **env):
    base = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "JWT_SECRET": "x" * 40}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_defaults(tmp_path):
    values = _settings_with(tmp_path)
    assert values["CORS_ALLOW_ALL_ORIGINS"] is True
    assert values["CORS_ALLOW_CREDENTIALS"] is False
    assert (values["FORCE_HTTPS"], values["SECURE_SSL_REDIRECT"]) == (False, False)
    assert (values["RATE_LIMIT_MAX"], values["RATE_LIMIT_STRICT_MAX"]) == (100, 10)
    assert values["TRUSTED_PROXY_HOPS"] == 1


def test_cors_allow_list(tmp_path):
    values = _settings_with(tmp_path, CORS_ORIGINS="https://a.example,https://b.example")
    assert values["CORS_ALLOW_ALL_ORIGINS"] is False
    assert values["CORS_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert values["CORS_ALLOW_CREDENTIALS"] is True


@pytest.mark.parametrize(("value", "on"), [("true", True), ("TRUE", False), ("1", False)])
def test_force_https_only_when_exactly_true(tmp_path, value, on):
    values = _settings_with(tmp_path, FORCE_HTTPS=value)
    assert (values["FORCE_HTTPS"], values["SECURE_SSL_REDIRECT"]) == (on, on)


def test_rate_limit_max_from_the_environment(tmp_path):
    assert _settings_with(tmp_path, RATE_LIMIT_MAX="250")["RATE_LIMIT_MAX"] == 250
