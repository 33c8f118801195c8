"""Retention: rows older than AUDIT_RETENTION_DAYS go, by a daily beat task."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from core.audit.models import AuditLog
from core.audit.services import prune_older_than_retention, record_event
from core.audit.tasks import prune_audit_log

pytestmark = pytest.mark.django_db


def _row_aged(days: float, org=None) -> int:
    row = record_event(action="x", user_id="u", org=org)
    AuditLog.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))
    return row.pk


def test_prunes_rows_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 90
    old, edge, fresh = _row_aged(91), _row_aged(89.9), _row_aged(0)
    assert prune_older_than_retention() == 1
    assert set(AuditLog.objects.values_list("pk", flat=True)) == {edge, fresh}
    assert old not in AuditLog.objects.values_list("pk", flat=True)


def test_retention_is_configurable(settings):
    settings.AUDIT_RETENTION_DAYS = 7
    _row_aged(8)
    kept = _row_aged(6)
    assert prune_audit_log.apply().get() == 1
    assert list(AuditLog.objects.values_list("pk", flat=True)) == [kept]


def test_beat_runs_the_prune_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["audit-prune"]
    assert entry == {"task": "core.audit.prune", "schedule": 86400.0}
    from cockpit.celery import app

    app.loader.import_default_modules()
    assert "core.audit.prune" in app.tasks
