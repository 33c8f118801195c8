"""Secrets generated on first run into DATA_DIR (`make run`), read by the settings.

Kept free of Django imports: it runs before settings exist.
"""

import os
import secrets
import sys
from pathlib import Path

GENERATED = {
    "jwt_secret": lambda: secrets.token_urlsafe(48),
    "api_key": lambda: "ck_" + secrets.token_urlsafe(32),
}


def read_secret_file(data_dir: Path, name: str) -> str | None:
    path = data_dir / name
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        return None
    return value or None


def ensure_secret_files(data_dir: Path, skip: set[str] = frozenset()) -> list[str]:
    """Create each missing secret file with mode 0600; never overwrite one. Returns the created.

    Secrets named in `skip` (given through the environment) are not generated."""
    data_dir.mkdir(parents=True, exist_ok=True)
    created = []
    for name, make in GENERATED.items():
        if name in skip:
            continue
        path = data_dir / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(make() + "\n")
        created.append(name)
    return created


if __name__ == "__main__":
    default_dir = Path(__file__).resolve().parent.parent / "data"
    data_dir = Path(os.environ.get("DATA_DIR", default_dir)).resolve()
    from_environment = {name for name in GENERATED if os.environ.get(name.upper())}
    for name in ensure_secret_files(data_dir, skip=from_environment):
        print(f"Generated {data_dir / name} (mode 0600)", file=sys.stderr)
