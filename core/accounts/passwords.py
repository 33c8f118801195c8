"""Password policy: Django's validators (AUTH_PASSWORD_VALIDATORS: at least 8 characters)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def password_problem(password: str, user=None) -> str | None:
    """Why the configured validators refuse this password, or None."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return exc.messages[0]
    return None
