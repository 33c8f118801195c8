"""The Celery application: control-plane workers, beat and (later) host agents share it."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")

app = Celery("cockpit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _add_extension_schedules(sender, **kwargs):
    from core.extensions import periodic_tasks

    sender.conf.beat_schedule = {**(sender.conf.beat_schedule or {}), **periodic_tasks()}


@worker_init.connect
@beat_init.connect
def _refuse_to_start_misconfigured(**kwargs):
    from cockpit.startup import require_runtime_secrets

    require_runtime_secrets()
