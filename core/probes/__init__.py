"""Endpoint probes (`/api/endpoints`) and TLS certificate expiry (`/api/ssl`), spec §3.2."""
