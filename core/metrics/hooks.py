"""Figures other subsystems own, read by `/metrics` through one named function each."""

from core.alerts import selectors as alert_selectors


def active_alerts_by_severity() -> dict[str, dict[str, int]]:
    """Active (fired, not yet resolved) alerts: `{org_slug: {severity: count}}`, one per
    (rule, host) pair, from the alert engine's persisted state (one grouped query)."""
    return alert_selectors.active_alerts_by_severity()
