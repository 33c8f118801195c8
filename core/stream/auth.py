"""Who opens a stream: a bearer header, a stream ticket (`?ticket=`) or an access token
(`?token=`), in that order. Answers the same 401 texts as the REST API."""

from dataclasses import dataclass
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from core.accounts.authentication import INVALID_TOKEN, SCHEME, TOKEN_EXPIRED
from core.accounts.permissions import MISSING_AUTH
from core.accounts.principal import Principal
from core.accounts.tokens import InvalidAccessToken, principal_from_access_token
from core.stream import tickets

INVALID_TICKET = "Invalid or expired stream ticket"


class StreamRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Identity:
    principal: Principal
    expires_at: float  # epoch seconds: the stream closes then


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def query_params(scope) -> dict[str, str]:
    parsed = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def verify_access_token(raw: str) -> Identity:
    try:
        principal = principal_from_access_token(raw)
    except InvalidAccessToken as exc:
        raise StreamRefused(401, TOKEN_EXPIRED if exc.expired else INVALID_TOKEN) from exc
    expires_at = AccessToken(raw, verify=False)["exp"]  # verified just above
    return Identity(principal, float(expires_at))


async def authenticate(scope) -> Identity:
    authorization = header(scope, b"authorization")
    if authorization is not None:
        raw = authorization[len(SCHEME) :].strip() if authorization.startswith(SCHEME) else ""
        if not raw:
            raise StreamRefused(401, MISSING_AUTH)
        return verify_access_token(raw)
    params = query_params(scope)
    if "ticket" in params:
        try:
            redeemed = await sync_to_async(tickets.redeem, thread_sensitive=False)(params["ticket"])
        except tickets.TicketStoreUnavailable as exc:
            raise StreamRefused(503, str(exc.detail)) from exc
        if redeemed is None:
            raise StreamRefused(401, INVALID_TICKET)
        return Identity(*redeemed)
    if params.get("token"):
        return verify_access_token(params["token"])
    raise StreamRefused(401, MISSING_AUTH)
