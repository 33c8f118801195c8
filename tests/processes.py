"""Helpers for tests that start Cockpit's own processes the way a user would."""

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Settings the test suite sets for itself that a newcomer's shell would not have.
SUITE_ONLY = {"JWT_SECRET", "API_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL",
              "DATA_DIR", "PYTEST_CURRENT_TEST"}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(data_dir: Path, port: int, **extra) -> dict:
    """The environment of a newcomer's shell: none of the test suite's own settings."""
    env = {key: value for key, value in os.environ.items() if key not in SUITE_ONLY}
    env.update(DATA_DIR=str(data_dir), PORT=str(port), HOST="127.0.0.1", **extra)
    return env
