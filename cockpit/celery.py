"""The Celery application: control-plane workers, beat and host agents share it.

Queues: control-plane work runs on Celery's default queue (`celery`); every Docker call and
sample of an `agent` host runs on that host's queue `host.<id>`, and every streamed call (log
follows, pulls, compose runs) on `host.<id>.streams`, both consumed only by its agent's two
workers (core.agents.supervisor). An agent process (COCKPIT_AGENT=1, started by
`manage.py agent`) takes its broker, result backend and unacked-message settings from its
enrollment credentials.
"""

import os

from celery import Celery
from celery.signals import beat_init, celeryd_init, worker_init
from django.conf import settings

import cockpit.broker  # noqa: F401 (registers the embedded broker's cockpitfs:// transport)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")

app = Celery("cockpit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _configure_agent(**kwargs):
    if settings.AGENT_MODE:
        from core.agents.worker import configure

        configure(app)


@app.on_after_finalize.connect
def _add_extension_schedules(sender, **kwargs):
    from core.extensions import periodic_tasks

    sender.conf.beat_schedule = {**(sender.conf.beat_schedule or {}), **periodic_tasks()}


@worker_init.connect
@beat_init.connect
def _refuse_to_start_misconfigured(**kwargs):
    if settings.AGENT_MODE:
        return  # an agent holds no control-plane secret: its credential is its enrollment
    from cockpit.startup import require_runtime_secrets

    require_runtime_secrets()
