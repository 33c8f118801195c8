"""tcp hosts for real: a private engine that only speaks mutually authenticated TLS on a
loopback port (tests/core/hosts/tls_engine.py), driven through the REST API. The right identity
lists, acts, reads and samples; a wrong CA, a client certificate the engine does not trust or no
material at all is a clear 502/503 naming the host, with no secret in any answer or log line,
and never a plain-TCP fallback. Key rotation re-seals the hosts' material too."""

import json
import logging
import uuid
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from core.containers import snapshot as container_snapshot
from core.docker import clients
from core.hosts import checks
from core.hosts.errors import HostTLSUndecryptable
from core.hosts.models import DockerHost, HostStatus
from core.sampling import service, snapshots
from tests.core.hosts.tls_engine import tls_engine

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

LABEL = "ck-test-tls-host"
SECRET_MARKERS = ("BEGIN", "PRIVATE KEY", "END CERTIFICATE")


@pytest.fixture(scope="module")
def engine(docker_client):
    with tls_engine() as running:
        yield running


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


@pytest.fixture
def pro(org):
    # More than CE's three hosts: the wrong-identity test adds several.
    type(org).objects.filter(pk=org.pk).update(edition="pro")


@pytest.fixture
def container(engine):
    """A stopped container on the TLS engine (made over its plain unix socket); it stops at
    once on SIGTERM."""
    created = engine.client.containers.create(
        engine.image,
        ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
        name=f"{LABEL}-{uuid.uuid4().hex[:8]}",
        labels={LABEL: "1"},
        network_mode="none",
    )
    yield created
    created.remove(force=True)


@pytest.fixture
def quiet_clients(engine):
    """No pooled client or container watcher of the TLS engine outlives a test."""
    yield
    for host in DockerHost.objects.filter(base_url=engine.url):
        watcher = container_snapshot.watchers.existing(host)
        if watcher is not None:
            watcher.stop()
    clients.forget(engine.url)


def add_tcp_host(admin, engine, name: str, **tls) -> dict:
    body = {"name": name, "kind": "tcp", "baseUrl": engine.url, **engine.tls_body(), **tls}
    response = admin.post("/api/hosts", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for marker in SECRET_MARKERS:
            assert marker not in text


def test_a_tcp_host_over_tls_end_to_end(admin, engine, container, quiet_clients, caplog):
    caplog.set_level(logging.DEBUG)
    created = add_tcp_host(admin, engine, "TLS box")
    slug, host_id = created["slug"], created["id"]
    assert created["tlsConfigured"] is True
    detail = admin.get(f"/api/hosts/{host_id}")
    assert detail.status_code == 200
    assert {"tlsCa", "tlsCert", "tlsKey"}.isdisjoint(detail.json())
    assert_no_secret(json.dumps(created), detail.content.decode())

    # The host answers its check with its TLS identity.
    ping = admin.get(f"/api/hosts/{host_id}/ping")
    assert ping.status_code == 200, ping.content
    assert (ping.json()["ok"], ping.json()["via"], ping.json()["host"]["slug"]) == (
        True,
        "engine",
        slug,
    )

    # List, start, stop: the container made behind the API's back, on that engine only.
    listing = admin.get(f"/api/containers?host={slug}")
    assert listing.status_code == 200, listing.content
    assert container.id in {row["id"] for row in listing.json()["containers"]}
    assert container.id not in {
        row["id"] for row in admin.get("/api/containers").json()["containers"]
    }
    started = admin.post(f"/api/containers/{container.id}/start?host={slug}")
    assert (started.status_code, started.json()) == (200, {"ok": True})
    container.reload()
    assert container.status == "running"
    stopped = admin.post(f"/api/containers/{container.id}/stop?host={slug}&t=5")
    assert (stopped.status_code, stopped.json()) == (200, {"ok": True})
    container.reload()
    assert container.status == "exited"

    # System info comes from that engine (its own data root).
    info = admin.get(f"/api/system/docker?host={slug}")
    assert info.status_code == 200, info.content
    assert info.json()["info"]["DockerRootDir"] == engine.client.info()["DockerRootDir"]

    # The sampler samples it: online, and its containers in the snapshot.
    container.start()
    host = DockerHost.objects.get(pk=host_id)
    report = service.sample_host(host)
    assert report.engine_up
    assert {"host status", "snapshot"}.isdisjoint(report.failed_steps)
    host.refresh_from_db()
    assert host.status == HostStatus.ONLINE
    assert container.id in {row["id"] for row in snapshots.latest(host.pk).containers}
    overview = {row["slug"]: row for row in admin.get("/api/hosts/overview").json()["hosts"]}
    assert overview[slug]["status"] == "online"
    assert overview[slug]["containers"]["running"] >= 1

    assert_no_secret(caplog.text)


def test_a_wrong_identity_is_a_clear_error_never_a_plain_connection(
    admin, pro, org, engine, container, quiet_clients, caplog
):
    caplog.set_level(logging.DEBUG)
    pki_other = engine.tls_body("another CA")
    wrong_ca = add_tcp_host(admin, engine, "Wrong CA", tlsCa=pki_other["tlsCa"])
    foreign_client = add_tcp_host(admin, engine, "Foreign client", tlsCert=pki_other["tlsCert"],
                                  tlsKey=pki_other["tlsKey"])  # fmt: skip
    # A tcp row saved before TLS material existed (created behind the API's checks).
    bare = DockerHost.objects.create(
        org=org, name="No material", slug="no-material", kind="tcp", base_url=engine.url
    )
    answers = []
    for row, status, message in (
        (wrong_ca, 502, "TLS handshake with the Docker engine of host Wrong CA failed: its "
                        "certificate was not accepted"),
        (foreign_client, 502, "TLS handshake with the Docker engine of host Foreign client "
                              "failed: it refused the client certificate"),
        ({"slug": bare.slug, "id": bare.pk}, 503, "Host No material has no TLS material"),
    ):  # fmt: skip
        for path in (f"/api/containers?host={row['slug']}", f"/api/hosts/{row['id']}/ping",
                     f"/api/containers/{container.id}/start?host={row['slug']}"):  # fmt: skip
            call = admin.post if path.endswith("start?host=" + row["slug"]) else admin.get
            response = call(path)
            assert response.status_code == status, (path, response.content)
            assert response.json()["error"].startswith(message), response.json()
            answers.append(response.content.decode())
    container.reload()
    assert container.status == "created"  # nothing reached the engine

    sampled = service.sample_host(DockerHost.objects.get(pk=wrong_ca["id"]))
    assert not sampled.engine_up
    assert DockerHost.objects.get(pk=wrong_ca["id"]).status == HostStatus.OFFLINE
    assert_no_secret(caplog.text, *answers)


def test_rotation_reseals_the_tls_material_and_the_host_still_connects(
    admin, auth_client, engine, quiet_clients, settings
):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.INTEGRATIONS_KEY = [old_key]
    created = add_tcp_host(admin, engine, "Rotated")
    before = DockerHost.objects.get(pk=created["id"]).tls_material

    settings.INTEGRATIONS_KEY = [new_key, old_key]
    out = StringIO()
    call_command("rotate_integration_keys", stdout=out)
    assert json.loads(out.getvalue())["hosts"] == {"rotated": 1, "undecryptable": []}

    # The old key and the JWT-derived fallback are gone: only the new key opens anything.
    settings.INTEGRATIONS_KEY = [new_key]
    settings.JWT_SECRET = "a-jwt-secret-unrelated-to-the-one-that-sealed-0123456789"
    clients.forget(engine.url)
    host = DockerHost.objects.get(pk=created["id"])
    assert host.tls_material != before
    fresh = auth_client("viewer")  # the old access token died with the old JWT secret
    ping = fresh.get(f"/api/hosts/{host.pk}/ping")
    assert ping.status_code == 200, ping.content
    listing = fresh.get(f"/api/containers?host={host.slug}")
    assert listing.status_code == 200, listing.content


def test_material_no_key_opens_is_refused_not_dropped(admin, engine, quiet_clients, settings):
    settings.INTEGRATIONS_KEY = [Fernet.generate_key().decode()]
    created = add_tcp_host(admin, engine, "Lost key")
    settings.INTEGRATIONS_KEY = [Fernet.generate_key().decode()]
    settings.JWT_SECRET = "yet-another-jwt-secret-0123456789-abcdefghijklmnopqrstuv"
    with pytest.raises(CommandError, match="1 host TLS material"):
        call_command("rotate_integration_keys", stdout=StringIO())
    clients.forget(engine.url)
    host = DockerHost.objects.get(pk=created["id"])
    with pytest.raises(HostTLSUndecryptable, match="TLS material of host Lost key") as refused:
        checks.ping(host)
    assert refused.value.status_code == 503


def test_a_stack_deploys_to_a_tcp_host_over_tls(admin, engine, quiet_clients):
    """compose gets the host's identity as DOCKER_CERT_PATH files: without them it would speak
    plain HTTP to the TLS port and fail."""
    from cockpit.celery import app
    from core.stacks.models import OperationStatus, StackOperation

    slug = add_tcp_host(admin, engine, "TLS stacks")["slug"]
    name = f"ckt-tls-{uuid.uuid4().hex[:8]}"
    app_service = {"image": engine.image, "pull_policy": "never", "network_mode": "none",
                   "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]}  # fmt: skip
    body = {"name": name, "compose": json.dumps({"services": {"app": app_service}})}
    assert admin.post(f"/api/stacks?host={slug}", body, format="json").status_code == 201
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        deployed = admin.post(f"/api/stacks/{name}/deploy?host={slug}")
        assert deployed.status_code == 202, deployed.content
        operation = StackOperation.objects.get(pk=deployed.json()["operation"]["id"])
        assert operation.status == OperationStatus.SUCCEEDED, operation.error
        running = engine.client.containers.list(
            filters={"label": f"com.docker.compose.project={name}"}
        )
        assert [c.status for c in running] == ["running"]
        removed = admin.post(f"/api/stacks/{name}/down?host={slug}")
        assert removed.status_code == 202, removed.content
        operation = StackOperation.objects.get(pk=removed.json()["operation"]["id"])
        assert operation.status == OperationStatus.SUCCEEDED, operation.error
    finally:
        app.conf.task_always_eager = previous
        for leftover in engine.client.containers.list(
            all=True, filters={"label": f"com.docker.compose.project={name}"}
        ):
            leftover.remove(force=True)
    assert not engine.client.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={name}"}
    )
