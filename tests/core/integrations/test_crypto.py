"""Configs encrypted at rest with a key ring that survives a JWT_SECRET rotation, key rotation
by the management command, and a per-row error state for a config no key opens."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.integrations import crypto
from core.integrations.models import Integration

SECRET_VALUE = "sk-very-secret-value-123"
KEY_A = "k" * 43 + "="  # not a Fernet key by length rules -> derived by HKDF
KEY_B = crypto.generate_key()

pytestmark = pytest.mark.django_db


def create(admin, name="prom", **config):
    body = {
        "adapter": "prometheus",
        "name": name,
        "config": {"url": "http://prometheus:9090", "bearerToken": SECRET_VALUE, **config},
    }
    response = admin.post("/api/integrations", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def raw_column(integration_id: str) -> str:
    """The column as stored (a plain text column: the ORM converts nothing)."""
    return Integration.objects.values_list("encrypted_config", flat=True).get(pk=integration_id)


def test_the_database_holds_no_plaintext_secret(admin):
    integration_id = create(admin)
    stored = raw_column(integration_id)
    assert SECRET_VALUE not in stored
    assert "prometheus:9090" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert crypto.decrypt_config(stored)["bearerToken"] == SECRET_VALUE


def test_a_jwt_secret_change_does_not_break_configs_when_integrations_key_is_set(admin, settings):
    settings.INTEGRATIONS_KEY = [KEY_B]
    integration_id = create(admin)
    settings.JWT_SECRET = "a-completely-different-jwt-secret-0123456789"
    assert crypto.decrypt_config(raw_column(integration_id))["bearerToken"] == SECRET_VALUE


def test_without_integrations_key_a_jwt_change_shows_a_per_row_error_not_a_500(
    admin, settings, auth_client, pro_org
):
    settings.INTEGRATIONS_KEY = []
    broken_id = create(admin, name="old")
    jwt_before = settings.JWT_SECRET
    settings.JWT_SECRET = "rotated-jwt-secret-abcdefghijklmnopqrstuvwxyz-0123"
    fresh = auth_client("viewer", pro_org)  # a token signed with the new secret
    settings.INTEGRATIONS_KEY = [KEY_B]
    healthy_id = create(auth_client("admin", pro_org), name="new")
    response = fresh.get("/api/integrations")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["integrations"]}
    assert rows[broken_id]["config"] is None
    assert rows[broken_id]["config_error"] == crypto.UNDECRYPTABLE
    assert rows[healthy_id]["config"]["bearerToken"] == "***REDACTED***"
    assert rows[healthy_id]["config_error"] is None
    assert fresh.get(f"/api/integrations/{broken_id}").json()["config"] is None
    # The old secret back in the ring (via the JWT fallback) makes it readable again.
    settings.JWT_SECRET = jwt_before
    assert crypto.decrypt_config(raw_column(broken_id))["bearerToken"] == SECRET_VALUE


def test_key_rotation_with_the_management_command(admin, settings):
    settings.INTEGRATIONS_KEY = [KEY_A]
    first = create(admin, name="one")
    second = create(admin, name="two")
    before = raw_column(first)
    settings.INTEGRATIONS_KEY = [KEY_B, KEY_A]  # new key first, old kept to decrypt
    assert crypto.decrypt_config(before)["bearerToken"] == SECRET_VALUE
    out = StringIO()
    call_command("rotate_integration_keys", stdout=out)
    assert json.loads(out.getvalue()) == {
        "rotated": 2, "undecryptable": [], "dryRun": False,
        "hosts": {"rotated": 0, "undecryptable": []},
    }  # fmt: skip
    settings.INTEGRATIONS_KEY = [KEY_B]  # the old key is gone
    settings.JWT_SECRET = "another-jwt-secret-for-this-test-0123456789abcdef"
    for integration_id in (first, second):
        assert crypto.decrypt_config(raw_column(integration_id))["bearerToken"] == SECRET_VALUE
    assert raw_column(first) != before


def test_rotation_reports_rows_no_key_opens(admin, settings):
    settings.INTEGRATIONS_KEY = [KEY_A]
    create(admin)
    settings.INTEGRATIONS_KEY = [KEY_B]
    settings.JWT_SECRET = "unrelated-jwt-secret-0123456789-abcdefghijklmnop"
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_integration_keys", stdout=StringIO())
    dry = StringIO()
    with pytest.raises(CommandError):
        call_command("rotate_integration_keys", "--dry-run", stdout=dry)
    assert json.loads(dry.getvalue())["dryRun"] is True


def test_generate_key_prints_a_fernet_key():
    out = StringIO()
    call_command("rotate_integration_keys", "--generate-key", stdout=out)
    key = out.getvalue().strip()
    assert len(key) == 44
    assert crypto._as_fernet_key(key) == key.encode()  # used as is, not derived


def test_tampered_ciphertext_is_undecryptable():
    token = crypto.encrypt_config({"a": 1})
    with pytest.raises(crypto.ConfigUndecryptable):
        crypto.decrypt_config(token[:-4] + "AAAA")
    with pytest.raises(crypto.ConfigUndecryptable):
        crypto.decrypt_config("not a token")
