"""Metrics history per host (spec §9): raw samples, hourly and daily roll-ups, retention, and
the `GET /api/metrics/history` query."""
