"""Data-source adapters (spec §3.10), one module each; the registry lists them."""
