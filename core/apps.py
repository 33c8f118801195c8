from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Cockpit"

    def ready(self):
        from core import checks  # noqa: F401  (registers the system checks)
        from core.editions import signals  # noqa: F401  (edition cache invalidation)
        from core.stream import access  # noqa: F401  (closes streams when access is revoked)
