"""Compose files name other files that compose reads on the machine running it (the control
plane, or an agent for an agent host; both check): `env_file`, `include`, `extends.file`,
`build` contexts, `secrets`/`configs` files, `label_file`. A deployment may only name files
inside its own project directory; a path that is absolute, climbs out with `..`, starts at the
home directory or is built by interpolation could read that machine's own files (its secrets)
into a container. Checked before compose sees the file at all."""

import re

import yaml

from core.stacks.errors import BadRequest

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^git@", re.IGNORECASE)


class UnsafeFileReference(BadRequest):
    def __init__(self, key: str, path: str):
        super().__init__(f"{key} must name a file inside the project directory, not {path!r}")


def _paths(value, key: str):
    """(key, path) pairs for a file-reference value in any of compose's short or long forms."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, key)
    elif isinstance(value, dict):
        for field in ("path", "file", "context", "project_directory"):
            if field in value:
                yield from _paths(value[field], f"{key}.{field}")
        if key.startswith("include") and "env_file" in value:
            yield from _paths(value["env_file"], f"{key}.env_file")


def _references(document: dict):
    yield from _paths(document.get("include"), "include") if document.get("include") else ()
    for kind in ("secrets", "configs"):
        for name, spec in (document.get(kind) or {}).items():
            if isinstance(spec, dict) and "file" in spec:
                yield from _paths(spec["file"], f"{kind}.{name}.file")
    for name, service in (document.get("services") or {}).items():
        if not isinstance(service, dict):
            continue
        for key in ("env_file", "label_file"):
            if key in service:
                yield from _paths(service[key], f"services.{name}.{key}")
        extends = service.get("extends")
        if isinstance(extends, dict) and "file" in extends:
            yield from _paths(extends["file"], f"services.{name}.extends.file")
        build = service.get("build")
        if isinstance(build, str):
            yield f"services.{name}.build", build
        elif isinstance(build, dict) and "context" in build:
            yield from _paths(build["context"], f"services.{name}.build.context")


def _unsafe(path: str) -> bool:
    if _URL.match(path):
        return False  # a remote build context is fetched by the engine, not read from disk
    parts = re.split(r"[\\/]+", path)
    return (
        path.startswith(("/", "\\", "~"))
        or re.match(r"^[A-Za-z]:", path) is not None
        or ".." in parts
        or "$" in path
    )


def refuse_outside_files(compose_text: str) -> None:
    """Raise UnsafeFileReference for the first file reference leaving the project directory.
    Text that is not a YAML mapping is left to compose's own validation (its 400 message)."""
    try:
        document = yaml.safe_load(compose_text)
    except (yaml.YAMLError, RecursionError):
        return
    if not isinstance(document, dict):
        return
    for key, path in _references(document):
        if not isinstance(path, str) or _unsafe(path):
            raise UnsafeFileReference(key, str(path))
