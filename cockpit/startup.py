"""Start-up guards shared by the web server, the worker and beat."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def jwt_secret_problem() -> str | None:
    secret = settings.JWT_SECRET
    if not secret:
        return (
            "JWT_SECRET is not set. Set it in the environment, or start Cockpit with `make run`, "
            f"which generates one into {settings.DATA_DIR / 'jwt_secret'}."
        )
    if secret in settings.PLACEHOLDER_JWT_SECRETS:
        return "JWT_SECRET is a placeholder value; set it to a long random secret."
    if len(secret) < 32:
        return "JWT_SECRET is too short; use at least 32 characters."
    return None


def require_runtime_secrets() -> None:
    problem = jwt_secret_problem()
    if problem:
        raise ImproperlyConfigured(problem)
