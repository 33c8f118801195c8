"""Django admin shows integrations without their config; schedule edits reschedule."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from core.accounts.models import User
from core.integrations.crypto import encrypt_config
from core.integrations.models import Integration

pytestmark = pytest.mark.django_db


def test_admin_never_shows_the_config_and_rescheduling_works(pro_org):
    staff = User.objects.create_superuser(email="staff@example.com", password="pw-123456789")
    client = Client()
    client.force_login(staff)
    integration = Integration.objects.create(
        org=pro_org,
        adapter="prometheus",
        name="prom",
        enabled=False,
        encrypted_config=encrypt_config({"url": "http://p:9090", "bearerToken": "admin-secret"}),
    )
    url = f"/admin/core/integration/{integration.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"admin-secret" not in page.content
    assert integration.encrypted_config.encode() not in page.content
    response = client.post(url, {"name": "prom", "enabled": "on", "poll_interval": "60"})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.enabled is True
    assert integration.next_poll_at <= datetime.now(UTC)
    assert client.get("/admin/core/integration/").status_code == 200
