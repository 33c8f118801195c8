from django.apps import AppConfig


class ProConfig(AppConfig):
    name = "pro"
    verbose_name = "Cockpit Pro"

    def ready(self):
        from core.extensions import Extension, register

        register(Extension(name="cockpit-pro", urlconf="pro.urls"))
