from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "enterprise"
    verbose_name = "Cockpit Enterprise"

    def ready(self):
        from core.extensions import Extension, register

        register(Extension(name="cockpit-enterprise", urlconf="enterprise.urls"))
