"""Stack names: the original's path rule, and the stricter one compose has for project names."""

import re

from core.stacks.errors import InvalidStackName

# Spec §3: first character alphanumeric, then [A-Za-z0-9_.-], 1-64 characters in all.
STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Compose project names: lower-case letters, digits, dashes and underscores.
COMPOSE_PROJECT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def validate_stack_name(name: str) -> str:
    """A name valid in stack paths (label-derived stacks may use any compose project)."""
    if not isinstance(name, str) or not STACK_NAME.fullmatch(name):
        raise InvalidStackName()
    return name


def validate_deployment_name(name: str) -> str:
    """A name Cockpit can deploy under: the path rule and compose's own rule."""
    validate_stack_name(name)
    if not COMPOSE_PROJECT_NAME.fullmatch(name):
        raise InvalidStackName(
            {
                "error": "Invalid stack name",
                "field": "name",
                "message": "Use lower-case letters, digits, '-' and '_' (a compose project name)",
            }
        )
    return name
