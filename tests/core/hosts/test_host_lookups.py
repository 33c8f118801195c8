"""How a request finds its host and its engine identity: a default switch takes effect at once
in this process (the remembered lookups are dropped), and a tcp host is never reached without
its TLS identity."""

import pytest

from core.containers import host_cache
from core.docker.host_calls import engine, tls_of
from core.hosts import services
from core.hosts.errors import HostTLSMissing, HostTLSUndecryptable
from core.hosts.models import DockerHost
from tests.pki import client_tls_body

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_host_cache():
    host_cache.forget()
    yield
    host_cache.forget()


def test_switching_the_default_takes_effect_at_once(org):
    old = org.hosts.get(is_default=True)
    new = DockerHost.objects.create(org=org, name="new", slug="new", base_url="unix:///s")
    assert host_cache.host_for(org.pk, None).pk == old.pk  # remembered for TTL_SECONDS
    services.make_default(new)  # bulk updates: no post_save signal clears it
    assert host_cache.host_for(org.pk, None).pk == new.pk


def test_switching_the_default_through_the_api(auth_client, org):
    admin = auth_client("admin")
    old = org.hosts.get(is_default=True)
    new = DockerHost.objects.create(org=org, name="new", slug="new", base_url="unix:///s")
    assert host_cache.host_for(org.pk, None).pk == old.pk
    response = admin.put(f"/api/hosts/{new.pk}", {"isDefault": True}, format="json")
    assert response.json()["isDefault"] is True
    assert host_cache.host_for(org.pk, None).pk == new.pk


def test_a_tcp_host_without_material_is_refused_before_any_connection(org):
    # A row saved before TLS material existed; 10.9.9.9 must never be dialled.
    host = DockerHost.objects.create(
        org=org, name="Bare", slug="bare", kind="tcp", base_url="tcp://10.9.9.9:2376"
    )
    with pytest.raises(HostTLSMissing, match="Host Bare has no TLS material") as refused:
        tls_of(host)
    assert refused.value.status_code == 503
    with pytest.raises(HostTLSMissing), engine(host):
        pytest.fail("engine() must refuse before yielding a client")


def test_material_no_key_opens_is_refused(auth_client, org, settings):
    admin = auth_client("admin")
    body = {"name": "Sealed", "kind": "tcp", "baseUrl": "tcp://127.0.0.1:9", **client_tls_body()}
    created = admin.post("/api/hosts", body, format="json").json()
    settings.INTEGRATIONS_KEY = ["an entirely different key for this test 0123456789"]
    settings.JWT_SECRET = "and-another-jwt-secret-0123456789-abcdefghijklmnopqrstu"
    host = DockerHost.objects.get(pk=created["id"])
    with pytest.raises(HostTLSUndecryptable, match="TLS material of host Sealed"):
        tls_of(host)


def test_local_and_agent_hosts_have_no_tls_identity(org):
    assert tls_of(org.hosts.get(is_default=True)) is None
    agent = DockerHost.objects.create(org=org, name="edge", slug="edge", kind="agent")
    assert tls_of(agent) is None
