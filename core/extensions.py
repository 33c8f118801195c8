"""The registry through which the Pro and Enterprise apps plug into core at start-up.

Core never imports pro/ or enterprise/ (import-linter enforces it). Instead, their AppConfig
`ready()` calls `register(...)`; core's URLconf mounts each registered extension under
`/api/ext/<name>/`, Celery beat runs its periodic tasks, and `/api/edition` lists it.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Extension:
    name: str  # URL segment, e.g. "cockpit-pro"
    urlconf: str | None = None  # dotted module with `urlpatterns`
    periodic_tasks: dict[str, dict] = field(default_factory=dict)  # Celery beat entries


_registry: dict[str, Extension] = {}


def register(extension: Extension) -> None:
    existing = _registry.get(extension.name)
    if existing is not None and existing != extension:
        raise ValueError(f"Extension {extension.name!r} is already registered differently")
    _registry[extension.name] = extension


def registered() -> list[Extension]:
    return sorted(_registry.values(), key=lambda extension: extension.name)


def periodic_tasks() -> dict[str, dict]:
    schedule: dict[str, dict] = {}
    for extension in registered():
        schedule.update(extension.periodic_tasks)
    return schedule
