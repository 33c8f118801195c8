"""Secrets hidden at any depth on read; a masked value sent back keeps the stored secret."""

import pytest

from core.integrations.redaction import MASK, MaskedWithoutSecret, redact, restore_masked

CONFIG = {
    "url": "http://prometheus:9090",
    "apiKey": "k1",
    "api_key": "k2",
    "app_key": "k3",
    "bearerToken": "k4",
    "password": "k5",
    "serviceAccountToken": "k6",
    "secret": "k7",
    "secret_access_key": "k8",
    "access_key_id": "k9",
    "token": "k10",
    "api_token": "k11",
    "session_token": "k12",
    "basicAuth": {"username": "admin", "password": "k13"},
    "headers": {"Authorization": "Bearer k14", "X-Anything": "k15"},
    "queries": [{"query": "up", "name": "n", "token": "k16"}],
    "site": "datadoghq.com",
    "region": "us-east-1",
    "empty": {"password": ""},
}


def test_every_secret_is_masked_and_nothing_else():
    shown = redact(CONFIG)
    flat = repr(shown)
    for number in range(1, 17):
        assert f"'k{number}'" not in flat
    assert shown["url"] == "http://prometheus:9090"
    assert shown["basicAuth"] == {"username": "admin", "password": MASK}
    assert shown["headers"] == {"Authorization": MASK, "X-Anything": MASK}
    assert shown["queries"] == [{"query": "up", "name": "n", "token": MASK}]
    assert shown["site"] == "datadoghq.com"
    assert shown["region"] == "us-east-1"
    assert shown["empty"] == {"password": ""}
    assert CONFIG["apiKey"] == "k1"  # the input is not modified


def test_round_trip_keeps_stored_secrets_and_takes_new_ones():
    edited = redact(CONFIG)
    edited["url"] = "http://prometheus:9091"
    edited["api_key"] = "new-key"
    restored = restore_masked(edited, CONFIG)
    assert restored["url"] == "http://prometheus:9091"
    assert restored["api_key"] == "new-key"
    assert restored["apiKey"] == "k1"
    assert restored["basicAuth"] == {"username": "admin", "password": "k13"}
    assert restored["headers"] == {"Authorization": "Bearer k14", "X-Anything": "k15"}
    assert restored["queries"][0]["token"] == "k16"


def test_a_mask_without_a_stored_value_is_refused():
    with pytest.raises(MaskedWithoutSecret, match=r"config.headers.New is \*\*\*REDACTED\*\*\*"):
        restore_masked({"headers": {"New": MASK}}, CONFIG)
    with pytest.raises(MaskedWithoutSecret):
        restore_masked({"token": MASK}, None)
