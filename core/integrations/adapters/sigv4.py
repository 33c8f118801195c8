"""AWS Signature Version 4 for requests whose parameters travel in the query string (the
CloudWatch query API). Written from the published algorithm; tested against AWS's own
examples (tests/core/integrations/test_sigv4.py)."""

import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
UNRESERVED = "-_.~"  # with letters and digits: the only characters left unencoded


def _encode(text: str) -> str:
    return quote(text, safe=UNRESERVED)


def canonical_query(params: list[tuple[str, str]]) -> str:
    encoded = sorted((_encode(name), _encode(value)) for name, value in params)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def canonical_request(
    method: str, path: str, query: str, headers: dict[str, str], payload: bytes
) -> tuple[str, str]:
    """(canonical request, signed header list)."""
    folded = {name.lower().strip(): " ".join(value.split()) for name, value in headers.items()}
    names = sorted(folded)
    canonical_headers = "".join(f"{name}:{folded[name]}\n" for name in names)
    signed = ";".join(names)
    text = "\n".join(
        [
            method.upper(),
            quote(path or "/", safe="/" + UNRESERVED),
            query,
            canonical_headers,
            signed,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    return text, signed


def sign(
    method: str,
    url: str,
    params: list[tuple[str, str]],
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    now: datetime,
    headers: dict[str, str] | None = None,
    payload: bytes = b"",
    session_token: str | None = None,
    host: str | None = None,
) -> tuple[str, dict[str, str]]:
    """(the URL with its canonical query, the headers to send: the given ones plus Host,
    X-Amz-Date, Authorization and X-Amz-Security-Token for temporary credentials). `host` is
    the Host header the client will send (default: the URL's netloc)."""
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed_headers = {**(headers or {}), "host": host or parts.netloc, "x-amz-date": amz_date}
    if session_token:
        signed_headers["x-amz-security-token"] = session_token
    query = canonical_query(params)
    request, signed = canonical_request(method, parts.path, query, signed_headers, payload)
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    signature = hmac.new(
        signing_key(secret_key, date, region, service), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, "
        f"Signature={signature}"
    )
    sent = {name: value for name, value in signed_headers.items() if name != "host"}
    sent["Authorization"] = authorization
    base = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
    return (f"{base}?{query}" if query else base), sent
