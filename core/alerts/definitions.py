"""The vocabulary of alert rules: watched metrics, operators, severities (spec §3.6, §6.3)."""

METRICS = ("cpu_percent", "memory_percent", "disk_percent", "load_1", "container_stopped")
OPERATORS = (">", "<", ">=", "<=", "==")
SEVERITIES = ("info", "warn", "critical")
DEFAULT_SEVERITY = "warn"
RESOLVED_SEVERITY = "info"

HARD_CAP = 100  # rules per organisation, whatever the edition (spec §11.2)
NAME_MAX_LENGTH = 128
MAX_SECONDS = 30 * 24 * 3600  # bound of duration_seconds and clear_duration_seconds


class EventKind:
    FIRED = "fired"
    RESOLVED = "resolved"


def number_text(value: float) -> str:
    """A number as the original's messages print it: `95`, not `95.0`; `85.5`; shortest
    round-trip digits otherwise."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))
