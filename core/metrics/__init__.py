"""The Prometheus exposition `GET /metrics` (spec §5), read from snapshots, never from an engine."""
