"""Django admin shows the audit log read-only, with search and filters."""

import pytest

from core.accounts.models import User
from core.audit.models import AuditLog
from core.audit.services import record_event

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/core/auditlog/"


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("staff@example.test", "pw-123456789"))
    return client


def test_changelist_search_and_filter(staff_client, acme):
    record_event(action="container.stop", user_id="alice@x.test", org=acme, target="web")
    record_event(action="user.create", user_id="bob@x.test", org=acme, target="carol")
    page = staff_client.get(CHANGELIST)
    assert page.status_code == 200
    assert b"alice@x.test" in page.content
    assert b"bob@x.test" in page.content
    searched = staff_client.get(CHANGELIST, {"q": "alice"})
    assert b"alice@x.test" in searched.content
    assert b"bob@x.test" not in searched.content
    filtered = staff_client.get(CHANGELIST, {"org__id__exact": acme.id})
    assert filtered.status_code == 200


def test_rows_cannot_be_added_changed_or_deleted(staff_client, acme):
    row = record_event(action="container.stop", user_id="alice@x.test", org=acme)
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    detail = staff_client.get(f"{CHANGELIST}{row.pk}/change/")
    assert detail.status_code == 200  # viewable
    assert b'name="_save"' not in detail.content
    staff_client.post(f"{CHANGELIST}{row.pk}/change/", {"action": "forged"})
    assert staff_client.get(f"{CHANGELIST}{row.pk}/delete/").status_code == 403
    assert AuditLog.objects.get(pk=row.pk).action == "container.stop"
