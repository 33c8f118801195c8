"""Reading schedule fields from a request body, with the original's error texts (spec §3.8).

A schedule acts on one container (`containerId` + `containerName`, as in the original) or, new
here, on every member of a compose stack (`stack`)."""

from core.api.text import name_problem
from core.containers.params import CONTAINER_ID
from core.schedules import cron
from core.schedules.errors import ScheduleInvalid
from core.schedules.models import Action
from core.stacks.errors import InvalidStackName
from core.stacks.names import validate_stack_name

REQUIRED = "name, containerId, containerName, action, cronExpression required"
REQUIRED_FIELDS = ("name", "containerId", "containerName", "action", "cronExpression")
STACK_REQUIRED = "name, stack, action, cronExpression required"
STACK_REQUIRED_FIELDS = ("name", "stack", "action", "cronExpression")
ACTION_MESSAGE = "action must be start, stop, or restart"
CONTAINER_ID_MESSAGE = "Invalid container ID format"
MAX_NAME_LENGTH = 128
MAX_CONTAINER_NAME_LENGTH = 256
EDITABLE_FIELDS = frozenset({*REQUIRED_FIELDS, "stack", "timezone", "enabled", "host"})


def targets_stack(body: dict) -> bool:
    return "stack" in body


def require_fields(body: dict) -> None:
    """Missing, null or empty values are the original's one 400."""
    fields, message = (
        (STACK_REQUIRED_FIELDS, STACK_REQUIRED)
        if targets_stack(body)
        else (REQUIRED_FIELDS, REQUIRED)
    )
    for key in fields:
        value = body.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ScheduleInvalid(message)


def _text(body: dict, key: str, max_length: int) -> str:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ScheduleInvalid(REQUIRED)
    if not isinstance(value, str):
        raise ScheduleInvalid(f"{key} must be a string", field=key)
    value = value.strip()
    if len(value) > max_length:
        raise ScheduleInvalid(f"{key} must be at most {max_length} characters", field=key)
    return value


def parse_name(body: dict) -> str:
    name = _text(body, "name", MAX_NAME_LENGTH)
    if problem := name_problem(name):
        raise ScheduleInvalid(problem, field="name")
    return name


def parse_container_name(body: dict) -> str:
    return _text(body, "containerName", MAX_CONTAINER_NAME_LENGTH)


def parse_action(body: dict) -> str:
    value = body.get("action")
    if value not in Action.values:
        raise ScheduleInvalid(ACTION_MESSAGE)
    return value


def parse_container_id(body: dict) -> str:
    value = body.get("containerId")
    if not isinstance(value, str) or not CONTAINER_ID.fullmatch(value):
        raise ScheduleInvalid(CONTAINER_ID_MESSAGE)
    return value


def parse_stack(body: dict) -> str:
    try:
        return validate_stack_name(body.get("stack"))
    except InvalidStackName:
        raise ScheduleInvalid("Invalid stack name", field="stack") from None


def parse_cron(body: dict) -> str:
    """The expression as stored (whitespace normalised); raises the precise 400."""
    try:
        expression = cron.parse(body.get("cronExpression"))
    except cron.CronError as exc:
        raise ScheduleInvalid(exc.message, field="cronExpression", reason=exc.reason) from None
    return expression.source


def parse_timezone(body: dict) -> str:
    if body.get("timezone") is None:
        return "UTC"
    try:
        return cron.validate_timezone(body["timezone"]).key
    except cron.CronError as exc:
        raise ScheduleInvalid(exc.message, field="timezone") from None


def parse_enabled(body: dict) -> bool:
    value = body.get("enabled")
    if not isinstance(value, bool):
        raise ScheduleInvalid("enabled must be a boolean", field="enabled")
    return value


def refuse_unknown_fields(body: dict) -> None:
    unknown = sorted(set(body) - EDITABLE_FIELDS)
    if unknown:
        raise ScheduleInvalid(f"Unknown field: {unknown[0][:64]}", field=unknown[0][:64])
