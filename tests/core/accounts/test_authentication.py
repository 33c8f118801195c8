"""Bearer-token authentication: the exact 401s, and tokens that must never verify."""

import base64
import json
import time

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.accounts.principal import shared_key_principal
from core.accounts.tokens import issue_access_token

pytestmark = pytest.mark.django_db
MISSING = {"error": "Missing or invalid Authorization header"}
INVALID = {"error": "Invalid token"}


def claims(tenant, **overrides):
    now = int(time.time())
    return {
        "token_type": "access",
        "sub": "admin",
        "kind": "shared_key",
        "role": "admin",
        "org": str(tenant.pk),
        "jti": "abc",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }


def get_health(client_headers):
    from rest_framework.test import APIClient

    return APIClient().get("/api/health", **client_headers)


def test_valid_token_reaches_the_view(settings, org):
    token = jwt.encode(claims(org), settings.JWT_SECRET, algorithm="HS256")
    response = get_health({"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_no_header_is_401(org):
    response = get_health({})
    assert response.status_code == 401
    assert response.json() == MISSING
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Basic abc", "bearer x", "Token x", "Bearer ", "Bearer"])
def test_header_that_is_not_a_bearer_token_is_401(header):
    response = get_health({"HTTP_AUTHORIZATION": header})
    assert response.status_code == 401
    assert response.json() == MISSING


def test_expired_token(settings, org):
    token = jwt.encode(
        claims(org, iat=int(time.time()) - 1000, exp=int(time.time()) - 10),
        settings.JWT_SECRET,
        algorithm="HS256",
    )
    response = get_health({"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"error": "Token expired"}


def _unsigned(payload: dict) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda s, org: _unsigned(claims(org)), id="alg-none"),
        pytest.param(
            lambda s, org: jwt.encode(claims(org), "another-secret-" * 4, algorithm="HS256"),
            id="wrong-key",
        ),
        pytest.param(
            lambda s, org: jwt.encode(claims(org), s.JWT_SECRET, algorithm="HS512"),
            id="hs512",
        ),
        pytest.param(lambda s, org: "garbage", id="garbage"),
        pytest.param(lambda s, org: "a.b.c", id="three-garbage-parts"),
        pytest.param(
            lambda s, org: jwt.encode(claims(org, token_type="refresh"), s.JWT_SECRET),
            id="wrong-type",
        ),
        pytest.param(
            lambda s, org: jwt.encode(claims(org, role="root"), s.JWT_SECRET), id="unknown-role"
        ),
        pytest.param(
            lambda s, org: jwt.encode(claims(org, kind="wizard"), s.JWT_SECRET), id="unknown-kind"
        ),
        pytest.param(
            lambda s, org: jwt.encode(claims(org, org="acme"), s.JWT_SECRET), id="org-not-an-id"
        ),
        pytest.param(
            lambda s, org: jwt.encode(
                {k: v for k, v in claims(org).items() if k != "role"}, s.JWT_SECRET
            ),
            id="no-role",
        ),
        pytest.param(lambda s, org: jwt.encode(claims(org, sub=1), s.JWT_SECRET), id="numeric-sub"),
        pytest.param(
            lambda s, org: jwt.encode(
                {k: v for k, v in claims(org).items() if k != "exp"}, s.JWT_SECRET
            ),
            id="no-exp",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_tampered_tokens_are_invalid(settings, org, make):
    token = make(settings, org)
    response = get_health({"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_flipped_signature_byte_is_invalid(org):
    token = issue_access_token(shared_key_principal(org.pk))
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    response = get_health({"HTTP_AUTHORIZATION": f"Bearer {head}.{payload}.{flipped}"})
    assert response.json() == INVALID


def test_a_changed_claim_breaks_the_signature(org):
    principal = shared_key_principal(org.pk)
    token = issue_access_token(principal)
    head, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["org"] = str(org.pk + 1)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    response = get_health({"HTTP_AUTHORIZATION": f"Bearer {head}.{forged}.{signature}"})
    assert response.json() == INVALID


def test_authentication_needs_no_database_query(org):
    token = issue_access_token(shared_key_principal(org.pk))
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.accounts.authentication import BearerTokenAuthentication

    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    with CaptureQueriesContext(connection) as queries:
        principal, raw = BearerTokenAuthentication().authenticate(request)
    assert len(queries) == 0
    assert (principal.org_id, principal.role, raw) == (org.pk, "admin", token)


def test_public_endpoints_ignore_a_bad_header(client):
    response = client.get("/", HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 200
