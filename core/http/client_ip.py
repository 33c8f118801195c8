"""The client's address, trusting exactly TRUSTED_PROXY_HOPS proxies in front of Cockpit."""

from django.conf import settings


def client_ip(request) -> str:
    """With N trusted hops, the client is the N-th address from the right of X-Forwarded-For
    (each proxy appends the address it saw). With none, the socket's peer address."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [address for address in forwarded if address] + [remote]
    return chain[-(hops + 1)] if len(chain) > hops else chain[0]
