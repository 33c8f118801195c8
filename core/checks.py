"""System checks (`manage.py check`), so misconfiguration is reported before serving."""

from django.core.checks import Error, register

from cockpit.startup import jwt_secret_problem


@register()
def jwt_secret_check(app_configs, **kwargs):
    problem = jwt_secret_problem()
    return [Error(problem, id="cockpit.E001")] if problem else []
