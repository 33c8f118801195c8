"""Offline licence verification: signature, issuer, audience, claims, expiry and grace."""

import base64
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from hashlib import sha256

import jwt
import pytest

from core.editions import license as licensing
from core.editions.license import AUDIENCE, ISSUER, LicenseError, load_public_key, standing, verify


def _public(keys):
    return load_public_key(keys.public_pem.decode())


@pytest.mark.parametrize("keys_fixture", ["ed25519_keys", "rsa_keys"])
def test_good_licence_verifies_with_either_algorithm(request, keys_fixture):
    keys = request.getfixturevalue(keys_fixture)
    token = keys.issue(
        edition="enterprise", org="acme", customer="Acme Ltd", days=30, limits={"users": 50}
    )
    header = jwt.get_unverified_header(token)
    assert header["alg"] == ("EdDSA" if keys_fixture == "ed25519_keys" else "RS256")
    granted = verify(token, _public(keys))
    assert granted.edition == "enterprise"
    assert granted.org == "acme"
    assert granted.customer == "Acme Ltd"
    assert granted.limits == {"users": 50}
    assert granted.features is None
    assert granted.expires_at > datetime.now(UTC) + timedelta(days=29)


def test_wrong_key_is_a_bad_signature(ed25519_keys, other_keys):
    with pytest.raises(LicenseError, match="bad signature"):
        verify(other_keys.issue(), _public(ed25519_keys))


def test_rsa_licence_against_ed25519_key_is_refused(ed25519_keys, rsa_keys):
    with pytest.raises(LicenseError, match="algorithm"):
        verify(rsa_keys.issue(), _public(ed25519_keys))


def _signed(keys, claims, algorithm="EdDSA"):
    return jwt.encode(claims, keys.private_key, algorithm=algorithm)


def _claims(**overrides):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "edition": "pro", "exp": int(time.time()) + 3600}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "someone-else"}, "wrong issuer"),
        ({"aud": "another-api"}, "wrong audience"),
        ({"iss": None}, "missing claim iss"),
        ({"aud": None}, "missing claim aud"),
        ({"edition": "gold"}, "edition"),
        ({"features": "incidents"}, "features"),
        ({"limits": {"users": "many"}}, "limits"),
        ({"limits": [1, 2]}, "limits"),
        ({"org": 42}, "org"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
    ],
)
def test_bad_claims_are_refused(ed25519_keys, overrides, reason):
    with pytest.raises(LicenseError, match=reason):
        verify(_signed(ed25519_keys, _claims(**overrides)), _public(ed25519_keys))


@pytest.mark.parametrize(
    "token", ["", "garbage", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30", "x" * 5000, "\x00\x01.\x02.\x03"]
)
def test_malformed_licence_is_refused(ed25519_keys, token):
    with pytest.raises(LicenseError):
        verify(token, _public(ed25519_keys))


def test_unsigned_licence_is_refused(ed25519_keys):
    token = jwt.encode(_claims(), key=None, algorithm="none")
    with pytest.raises(LicenseError):
        verify(token, _public(ed25519_keys))


def test_hmac_signed_with_the_public_key_is_refused(rsa_keys):
    """The classic algorithm-confusion forgery: HS256 keyed with the public PEM."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(_claims()).encode()).rstrip(b"=")
    signature = hmac.new(rsa_keys.public_pem, header + b"." + payload, sha256).digest()
    token = b".".join([header, payload, base64.urlsafe_b64encode(signature).rstrip(b"=")])
    with pytest.raises(LicenseError):
        verify(token.decode(), _public(rsa_keys))


def test_defaults_when_claims_are_absent(ed25519_keys):
    token = _signed(ed25519_keys, {"iss": ISSUER, "aud": AUDIENCE})
    granted = verify(token, _public(ed25519_keys))
    assert granted.edition == "ce"
    assert granted.features is None
    assert granted.limits is None
    assert granted.expires_at is None


def test_unknown_features_in_a_licence_are_dropped(ed25519_keys):
    token = _signed(ed25519_keys, _claims(features=["incidents", "teleport", "incidents"]))
    assert verify(token, _public(ed25519_keys)).features == ("incidents",)


def test_expired_licence_still_verifies(ed25519_keys):
    token = _signed(ed25519_keys, _claims(exp=int(time.time()) - 86400))
    assert verify(token, _public(ed25519_keys)).expires_at < datetime.now(UTC)


def test_standing_before_during_and_after_grace(ed25519_keys):
    expiry = datetime(2030, 1, 1, tzinfo=UTC)
    granted = licensing.License("pro", None, None, None, None, expiry)
    assert standing(granted, expiry - timedelta(seconds=1)) == licensing.Standing(active=True)
    assert standing(granted, expiry) == licensing.Standing(active=True)
    day_one = standing(granted, expiry + timedelta(seconds=1))
    assert (day_one.active, day_one.grace_mode, day_one.grace_days_left) == (True, True, 14)
    later = standing(granted, expiry + timedelta(days=10, hours=1))
    assert (later.grace_mode, later.grace_days_left) == (True, 4)
    last = standing(granted, expiry + timedelta(days=14))
    assert (last.active, last.grace_days_left) == (True, 0)
    assert standing(granted, expiry + timedelta(days=14, seconds=1)).active is False


def test_perpetual_licence_never_expires():
    granted = licensing.License("pro", None, None, None, None, None)
    assert standing(granted, datetime(2999, 1, 1, tzinfo=UTC)).active


def test_public_key_from_file_and_escaped_text(tmp_path, ed25519_keys):
    path = tmp_path / "public.pem"
    path.write_bytes(ed25519_keys.public_pem)
    assert load_public_key(str(path)) is not None
    escaped = ed25519_keys.public_pem.decode().replace("\n", "\\n")
    token = ed25519_keys.issue()
    assert verify(token, load_public_key(escaped)).edition == "pro"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "not set"),
        ("/nonexistent/public.pem", "cannot read"),
        ("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----", "not a PEM"),
    ],
)
def test_unusable_public_key(value, reason):
    with pytest.raises(LicenseError, match=reason):
        load_public_key(value)


def test_private_key_is_not_accepted_as_public_key(ed25519_keys):
    with pytest.raises(LicenseError):
        load_public_key(ed25519_keys.private_pem.decode())
