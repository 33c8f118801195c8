"""Security headers on every response (spec §10.3, the original's helmet set).

API responses get a CSP that allows nothing but same-origin fetches. Django admin and the API
docs are pages for humans with their own scripts and styles, so they get a CSP that lets
their same-origin assets load and still forbids framing, plug-ins and foreign origins.
HSTS is only sent over HTTPS when FORCE_HTTPS is on (the redirect itself is Django's
SecurityMiddleware with SECURE_SSL_REDIRECT, which honours X-Forwarded-Proto).
"""

from django.conf import settings

from core.http.middleware import HTML_PREFIXES, HybridMiddleware

API_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; media-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; upgrade-insecure-requests; "
    "script-src-attr 'none'"
)
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; script-src-attr 'none'"
)
HSTS = "max-age=31536000; includeSubDomains; preload"

COMMON_HEADERS = {
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Origin-Agent-Cluster": "?1",
    "X-DNS-Prefetch-Control": "off",
    "X-Download-Options": "noopen",
    "X-Permitted-Cross-Domain-Policies": "none",
    "X-XSS-Protection": "0",
}


def content_security_policy(path: str) -> str:
    return PAGE_CSP if path.startswith(HTML_PREFIXES) else API_CSP


class SecurityHeadersMiddleware(HybridMiddleware):
    def after(self, request, response):
        for name, value in COMMON_HEADERS.items():
            response[name] = value
        response["Content-Security-Policy"] = content_security_policy(request.path)
        if settings.FORCE_HTTPS and request.is_secure():
            response["Strict-Transport-Security"] = HSTS
        if "X-Powered-By" in response:
            del response["X-Powered-By"]
        return response
