"""System checks (`manage.py check`), so misconfiguration is reported before serving."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from cockpit.startup import jwt_secret_problem


@register()
def jwt_secret_check(app_configs, **kwargs):
    problem = jwt_secret_problem()
    return [Error(problem, id="cockpit.E001")] if problem else []


# Django's own deploy checks (security.W001-W003) look for these exact paths in MIDDLEWARE;
# core.http.inline runs subclasses of them on the event loop, so those checks are silenced in
# settings and this one asks the same question of the classes actually installed.
PROTECTIVE_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
)


@register(Tags.security, deploy=True)
def protective_middleware_check(app_configs, **kwargs):
    installed = [import_string(path) for path in settings.MIDDLEWARE]
    return [
        Warning(f"{required} (or a subclass of it) is not in MIDDLEWARE", id="cockpit.W001")
        for required in PROTECTIVE_MIDDLEWARE
        if not any(issubclass(cls, import_string(required)) for cls in installed)
    ]
