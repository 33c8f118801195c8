"""Figures other subsystems own, read by `/metrics` through one named function each."""


def active_alerts_by_severity() -> dict[str, dict[str, int]]:
    """Active alerts as `{org_slug: {severity: count}}`. The alert engine fills this in."""
    return {}
