"""Which commands `POST /api/containers/<id>/exec` may run: the original's allow-list plus the
deployment's EXEC_EXTRA_COMMANDS. Exact matches only, split into argv without a shell."""

import re

from django.conf import settings
from rest_framework.exceptions import PermissionDenied

from core.containers.params import BadRequest

MAX_COMMAND = 500
DEFAULT_COMMANDS = (
    "pg_isready",
    "redis-cli ping",
    "redis-cli info",
    "nginx -t",
    "whoami",
    "hostname",
    "date",
    "uptime",
    "df -h",
    "free -m",
    "ps aux",
    "top -bn1",
    "cat /etc/os-release",
    "ls -la /",
    "ip addr",
    "ip route",
    "netstat -tlnp",
    "ss -tlnp",
)
# Shell metacharacters and line breaks are refused before the list is even consulted.
_FORBIDDEN = re.compile(r"[`$|;&><()\[\]{}!\\'\r\n]")
NOT_ALLOWED = "Command not in allowed list"


def allowed_commands() -> frozenset[str]:
    extra = (command.strip() for command in settings.EXEC_EXTRA_COMMANDS)
    return frozenset(DEFAULT_COMMANDS) | {command for command in extra if command}


def argv_for(command) -> list[str]:
    """The argv to run for a requested command, or the original's 400/403."""
    if not isinstance(command, str) or not command.strip():
        raise BadRequest("command required")
    if len(command) > MAX_COMMAND:
        raise BadRequest(f"Command too long (max {MAX_COMMAND} chars)")
    command = command.strip()
    if _FORBIDDEN.search(command) or command not in allowed_commands():
        raise PermissionDenied(NOT_ALLOWED)
    return command.split()
