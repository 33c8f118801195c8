"""`license_keygen` and `issue_license`, end to end through `/api/edition`."""

import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.editions.license import load_public_key, verify
from tests.core.editions.conftest import principal


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("algorithm", ["ed25519", "rsa"])
def test_keygen_writes_a_pair_with_a_private_private_key(tmp_path, algorithm):
    output = _run("license_keygen", "--out-dir", str(tmp_path), "--algorithm", algorithm)
    private, public = tmp_path / "license-private.pem", tmp_path / "license-public.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes()
    assert load_public_key(str(public)) is not None
    assert str(public) in output
    assert "PRIVATE KEY" not in output


def test_keygen_refuses_to_overwrite_without_force(tmp_path):
    _run("license_keygen", "--out-dir", str(tmp_path))
    before = (tmp_path / "license-private.pem").read_bytes()
    with pytest.raises(CommandError, match="--force"):
        _run("license_keygen", "--out-dir", str(tmp_path))
    assert (tmp_path / "license-private.pem").read_bytes() == before
    _run("license_keygen", "--out-dir", str(tmp_path), "--force")
    assert (tmp_path / "license-private.pem").read_bytes() != before
    assert stat.S_IMODE((tmp_path / "license-private.pem").stat().st_mode) == 0o600


def test_keygen_defaults_to_the_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    _run("license_keygen")
    assert (tmp_path / "license-keys" / "license-public.pem").exists()


@pytest.fixture
def key_dir(tmp_path):
    _run("license_keygen", "--out-dir", str(tmp_path))
    return tmp_path


def test_issue_prints_a_verifiable_licence(key_dir):
    token = _run(
        "issue_license",
        "--private-key",
        str(key_dir / "license-private.pem"),
        "--edition",
        "pro",
        "--org",
        "acme",
        "--days",
        "30",
        "--limits",
        '{"alertRules": 12}',
        "--customer",
        "Acme Ltd",
    ).strip()
    granted = verify(token, load_public_key(str(key_dir / "license-public.pem")))
    assert (granted.edition, granted.org, granted.customer) == ("pro", "acme", "Acme Ltd")
    assert granted.limits == {"alertRules": 12}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limits", "{not json"], "not valid JSON"),
        (["--limits", '{"users": "lots"}'], "JSON object of numbers"),
        (["--limits", "[1]"], "JSON object of numbers"),
        (["--days", "0"], "positive"),
    ],
)
def test_issue_rejects_bad_options(key_dir, args, message):
    with pytest.raises(CommandError, match=message):
        _run(
            "issue_license",
            "--private-key",
            str(key_dir / "license-private.pem"),
            "--edition",
            "pro",
            *args,
        )


def test_issue_rejects_unknown_edition_and_missing_key(key_dir, tmp_path):
    with pytest.raises(CommandError):
        _run("issue_license", "--private-key", str(key_dir / "license-private.pem"),
             "--edition", "gold")  # fmt: skip
    with pytest.raises(CommandError, match="Cannot read"):
        _run("issue_license", "--private-key", str(tmp_path / "nope.pem"), "--edition", "pro")
    with pytest.raises(CommandError, match="usable private key"):
        _run("issue_license", "--private-key", str(key_dir / "license-public.pem"),
             "--edition", "pro")  # fmt: skip


@pytest.mark.django_db
def test_issued_licence_raises_the_edition_seen_by_the_api(settings, tmp_path, key_dir):
    from core.accounts.models import Organization

    settings.DATA_DIR = tmp_path
    settings.LICENSE_KEY = ""
    settings.LICENSE_PUBLIC_KEY = str(key_dir / "license-public.pem")
    org = Organization.objects.get_or_create(slug="default", defaults={"name": "Default"})[0]
    token = _run(
        "issue_license",
        "--private-key",
        str(key_dir / "license-private.pem"),
        "--edition",
        "enterprise",
        "--limits",
        json.dumps({"users": 25}),
    ).strip()
    (tmp_path / "license.key").write_text(token + "\n")
    client = APIClient()
    client.force_authenticate(user=principal(org))
    body = client.get("/api/edition").json()
    assert (body["edition"], body["limits"]) == ("enterprise", {"users": 25})
