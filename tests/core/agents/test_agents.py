"""Agent hosts in one process: enrollment, heartbeats and offline detection, the routing of
gateway calls (offline answers, error translation), the agent's idempotency, shipped samples,
TLS material of tcp hosts, and the cross-host views. The real processes are in
test_agents_end_to_end.py."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.agents import calls, enrollment, local, rpc, status
from core.agents.models import AgentCredential, EnrollmentToken
from core.alerts.models import AlertEvent
from core.docker import containers
from core.docker.errors import DockerConflict, DockerNotModified, EngineUnavailable
from core.docker.host_calls import CALLS, run_on_host, tls_of
from core.hosts.models import DockerHost, HostKind, HostStatus
from core.sampling import shipped, snapshots
from core.sampling.collect import unknown_metrics
from tests.pki import authority, client_tls_body

pytestmark = pytest.mark.django_db
BROKER = "redis://broker.example:6379/0"


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


@pytest.fixture
def broker(settings):
    settings.AGENT_BROKER_URL = BROKER
    return BROKER


def add_agent_host(admin, name="edge") -> dict:
    response = admin.post("/api/hosts", {"name": name, "kind": "agent"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def enroll(api_client, token):
    return api_client.post("/api/agents/enroll", {"token": token, "hostname": "box"}, format="json")


# --- enrollment -----------------------------------------------------------------------------


def test_an_agent_host_comes_with_a_one_time_token(admin, api_client, broker):
    host = add_agent_host(admin)
    token = host["enrollment"]["token"]
    assert host["status"] == "unknown"
    stored = EnrollmentToken.objects.get(host_id=host["id"])
    assert token not in stored.token_hash  # only its hash is kept

    response = enroll(api_client, token)
    assert response.status_code == 200
    answer = response.json()
    assert answer["hostId"] == host["id"]
    assert answer["queue"] == f"host.{host['id']}"
    assert answer["controlQueue"] == "celery"
    assert answer["brokerUrl"] == BROKER
    assert answer["secret"].startswith("ckagent_")
    credential = AgentCredential.objects.get(host_id=host["id"])
    assert answer["secret"] not in credential.secret_hash
    assert credential.agent_hostname == "box"

    again = enroll(api_client, token)
    assert again.status_code == 401
    assert again.json() == {"error": "Invalid or expired enrollment token"}


def test_expired_unknown_and_replaced_tokens_are_refused(admin, api_client, broker):
    host = add_agent_host(admin)
    first = host["enrollment"]["token"]
    renewed = admin.post(f"/api/hosts/{host['id']}/enrollment")
    assert renewed.status_code == 201
    assert enroll(api_client, first).status_code == 401  # replaced
    EnrollmentToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert enroll(api_client, renewed.json()["token"]).status_code == 401  # expired
    assert enroll(api_client, "ckenroll_nonsense").status_code == 401
    assert enroll(api_client, 5).status_code == 400


def test_enrollment_needs_a_broker_agents_can_reach(admin, api_client, settings):
    settings.AGENT_BROKER_URL, settings.REDIS_URL = "", ""
    host = add_agent_host(admin)
    response = enroll(api_client, host["enrollment"]["token"])
    assert response.status_code == 503
    assert "AGENT_BROKER_URL" in response.json()["error"]


def test_only_agent_hosts_get_enrollment_tokens(admin, org):
    local_host = org.hosts.get(is_default=True)
    response = admin.post(f"/api/hosts/{local_host.pk}/enrollment")
    assert response.status_code == 400
    assert response.json()["field"] == "kind"


def test_another_tenants_host_gets_no_token(auth_client, other_org):
    edge = DockerHost.objects.create(org=other_org, name="e", slug="e", kind=HostKind.AGENT)
    response = auth_client("admin").post(f"/api/hosts/{edge.pk}/enrollment")
    assert response.status_code == 404


# --- heartbeats and status ------------------------------------------------------------------


@pytest.fixture
def enrolled(org, broker):
    host = DockerHost.objects.create(org=org, name="edge", slug="edge", kind=HostKind.AGENT)
    token, _ = enrollment.issue_token(host)
    _, answer = enrollment.enroll(token)
    return host, answer["secret"]


def test_heartbeats_keep_the_host_online_and_silence_turns_it_offline(enrolled, settings):
    host, secret = enrolled
    assert status.heartbeat(host.pk, "ckagent_wrong") is False
    assert status.heartbeat(host.pk + 1000, secret) is False
    host.refresh_from_db()
    assert host.status == HostStatus.UNKNOWN

    beat_at = timezone.now()
    assert status.heartbeat(host.pk, secret, {"engineUp": True}, now=beat_at)
    host.refresh_from_db()
    assert (host.status, host.last_seen_at) == (HostStatus.ONLINE, beat_at)

    window = timedelta(seconds=settings.AGENT_OFFLINE_AFTER_SECONDS)
    assert status.mark_offline(now=beat_at + window) == 0  # not yet
    assert status.mark_offline(now=beat_at + window + timedelta(seconds=1)) == 1
    assert status.mark_offline(now=beat_at + window + timedelta(seconds=2)) == 0  # once
    host.refresh_from_db()
    assert host.status == HostStatus.OFFLINE
    event = AlertEvent.objects.get(host=host)
    assert (event.kind, event.severity, event.metric, event.rule_id) == (
        "fired", "critical", "host_status", None
    )  # fmt: skip
    assert "no heartbeat" in event.message

    assert status.heartbeat(host.pk, secret)
    host.refresh_from_db()
    assert host.status == HostStatus.ONLINE
    resolved = AlertEvent.objects.filter(host=host, kind="resolved").get()
    assert resolved.message == "Host edge is back online"


def test_re_enrolling_replaces_the_agent_secret(enrolled):
    host, old_secret = enrolled
    token, _ = enrollment.issue_token(host)
    _, answer = enrollment.enroll(token)
    assert enrollment.authenticate(host.pk, old_secret) is None
    assert enrollment.authenticate(host.pk, answer["secret"]) == host


# --- routing --------------------------------------------------------------------------------


def test_an_offline_agent_host_answers_504_at_once(auth_client, org, settings):
    DockerHost.objects.create(
        org=org, name="Edge box", slug="edge", kind=HostKind.AGENT, status=HostStatus.OFFLINE
    )
    operator = auth_client("operator")
    window = int(settings.AGENT_OFFLINE_AFTER_SECONDS)
    expected = {"error": f"Host Edge box did not answer within {window} s"}
    for method, path in (
        ("post", "/api/containers/abc/start?host=edge"),
        ("get", "/api/containers?host=edge"),
        ("get", "/api/containers/abc?host=edge"),
    ):
        response = getattr(operator, method)(path)
        assert (response.status_code, response.json()) == (504, expected), path


def test_an_online_host_whose_heartbeats_stopped_is_not_waited_for(org):
    host = DockerHost.objects.create(
        org=org, name="edge", slug="edge", kind=HostKind.AGENT, status=HostStatus.ONLINE,
        last_seen_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    assert not rpc.is_reachable(host)
    with pytest.raises(rpc.HostDidNotAnswer):
        containers.start(host, "abc")


def test_agent_errors_become_the_local_errors(org):
    host = DockerHost(org=org, name="edge", kind=HostKind.AGENT)
    with pytest.raises(DockerNotModified):
        rpc.unpack(host, {"ok": False, "status": 304, "error": "", "kind": "DockerNotModified"})
    with pytest.raises(DockerConflict) as conflict:
        rpc.unpack(host, {"ok": False, "status": 409, "error": "busy", "kind": "DockerConflict"})
    assert str(conflict.value.detail) == "busy"
    with pytest.raises(EngineUnavailable) as down:
        rpc.unpack(host, {"ok": False, "status": 503, "error": "x", "kind": "EngineUnavailable"})
    assert str(down.value.detail) == "Docker engine unavailable on host edge"
    with pytest.raises(rpc.AgentCallFailed) as other:
        rpc.unpack(host, {"ok": False, "status": 418, "error": "odd", "kind": "Odd"})
    assert (other.value.status_code, str(other.value.detail)) == (418, "odd")
    assert rpc.unpack(host, {"ok": True, "value": [1]}) == [1]


def test_every_allow_listed_call_is_a_routed_gateway_function():
    for name, spec in CALLS.items():
        function = spec.function()
        assert hasattr(function, "__wrapped__"), f"{name} is not routed by @on_host"
    with pytest.raises(ValueError, match="not a host call"):
        run_on_host(DockerHost(kind=HostKind.LOCAL), "system.reboot")


@pytest.mark.docker
def test_local_hosts_run_in_process(org, docker_client, test_image):
    """A local host's call runs here, not on a queue: the same answer as the plain function.
    (Compared on a container of our own that never starts, so its summary cannot change
    between the two listings while other tests use the engine.)"""
    host = org.hosts.get(is_default=True)
    marker = docker_client.containers.create(
        test_image, ["true"], name=f"ckt-agt-{uuid.uuid4().hex[:10]}"
    )
    try:
        routed = {row["id"]: row for row in run_on_host(host, "containers.list")}
        direct = {row["id"]: row for row in containers.list_containers.__wrapped__(host)}
        assert routed[marker.id] == direct[marker.id]
    finally:
        marker.remove(force=True)


# --- the agent's side: one action per idempotency key ------------------------------------------


def test_a_redelivered_action_answers_the_stored_outcome_without_acting(settings):
    runs = []

    def action():
        runs.append(1)
        return {"ok": True, "value": None}

    deadline = datetime.now(UTC).timestamp() + 30
    first = calls.once("key-1", deadline, "edge", action)
    second = calls.once("key-1", deadline, "edge", action)
    assert first == second == {"ok": True, "value": None}
    assert runs == [1]


def test_an_action_claimed_by_a_dead_agent_is_not_repeated(monkeypatch):
    deadline = datetime.now(UTC).timestamp() + 30
    calls.cache.add(
        f"{calls.RECORD_PREFIX}key-2",
        {"state": "running", "boot": "a-previous-boot", "until": deadline},
        60,
    )
    outcome = calls.once("key-2", deadline, "edge", lambda: pytest.fail("acted twice"))
    assert outcome["kind"] == "Interrupted"
    assert outcome["status"] == 502
    assert "it was not repeated" in outcome["error"]
    assert calls.stored_outcome("key-2")["outcome"] == outcome  # answered the same next time


def test_an_action_nobody_waits_for_any_more_is_not_started():
    past = datetime.now(UTC).timestamp() - 1
    outcome = calls.once("key-3", past, "edge", lambda: pytest.fail("started late"))
    assert outcome["kind"] == "Expired"


def test_an_unknown_call_is_refused_by_the_agent():
    assert calls.execute({"call": "os.system", "args": ["true"]})["status"] == 400


def test_agent_worker_settings_use_their_own_unacked_keys():
    credentials = local.Credentials(7, "edge", "host.7", "celery", BROKER, "s", 10.0)
    conf = local.celery_settings(credentials, "", 300, local.CALLS_WORKER)
    assert conf["broker_url"] == conf["result_backend"] == BROKER
    options = conf["broker_transport_options"]
    assert options["unacked_key"] == "unacked:host.7"
    assert options["visibility_timeout"] == 300
    streams = local.celery_settings(credentials, "", 300, local.STREAMS_WORKER)
    assert streams["broker_transport_options"]["unacked_key"] == "unacked:host.7.streams"
    other = local.celery_settings(credentials, "redis://other:6379/0", 300, local.CALLS_WORKER)
    assert other["broker_url"] == "redis://other:6379/0"


def test_credentials_are_kept_private(tmp_path):
    credentials = local.Credentials(7, "edge", "host.7", "celery", BROKER, "secret", 10.0)
    local.save(tmp_path, credentials)
    assert local.load(tmp_path) == credentials
    assert local.credentials_path(tmp_path).stat().st_mode & 0o777 == 0o600


# --- shipped samples --------------------------------------------------------------------------


def shipped_payload(sampled_at, containers_seen):
    return {
        "sampledAt": sampled_at.isoformat(),
        "metrics": unknown_metrics("edge"),
        "containers": containers_seen,
        "restartCounts": {},
        "engineError": None,
    }


def test_a_shipped_sample_feeds_the_snapshot_and_history(enrolled):
    host, secret = enrolled
    box = {"id": "c" * 64, "name": "web", "state": "running", "health": None}
    now = timezone.now()
    assert shipped.store(host.pk, "ckagent_wrong", shipped_payload(now, [box])) == "refused"
    assert snapshots.latest(host.pk) is None
    assert shipped.store(host.pk, secret, shipped_payload(now, [box])) == "stored"
    assert snapshots.latest(host.pk).containers[0]["name"] == "web"
    older = now - timedelta(seconds=15)
    assert shipped.store(host.pk, secret, shipped_payload(older, [])) == "stale"
    host.refresh_from_db()
    assert host.status == HostStatus.UNKNOWN  # heartbeats, not samples, keep an agent's status
    assert shipped.remembered([host.pk]) == {host.pk: {box["id"]: ["running", None]}}


# --- tcp hosts: TLS material ----------------------------------------------------------------


def test_tcp_hosts_take_checked_encrypted_tls_material(admin, org):
    pki = authority()
    body = {"name": "builder", "kind": "tcp", "baseUrl": "tcp://127.0.0.1:2376"}
    missing = admin.post("/api/hosts", body, format="json")
    assert (missing.status_code, missing.json()["field"]) == (400, "tlsCa")
    mismatched = admin.post(
        "/api/hosts", {**body, **client_tls_body(), "tlsKey": pki["server_key"]}, format="json"
    )
    assert mismatched.json() == {
        "error": "Validation failed", "field": "tlsKey",
        "message": "does not match the client certificate",
    }  # fmt: skip
    garbage = admin.post("/api/hosts", {**body, **client_tls_body(), "tlsCert": "x"}, format="json")
    assert garbage.json()["field"] == "tlsCert"

    created = admin.post("/api/hosts", {**body, **client_tls_body()}, format="json")
    assert created.status_code == 201
    assert created.json()["tlsConfigured"] is True
    assert "BEGIN" not in str(created.json())
    host = DockerHost.objects.get(pk=created.json()["id"])
    assert "BEGIN" not in host.tls_material  # encrypted at rest
    assert tls_of(host) == {"ca": pki["ca"], "cert": pki["client_cert"], "key": pki["client_key"]}

    local_body = {"name": "x", "baseUrl": "unix:///s", **client_tls_body()}
    assert admin.post("/api/hosts", local_body, format="json").status_code == 400


# --- across hosts ---------------------------------------------------------------------------


def test_the_cross_host_views_add_up_from_samples(auth_client, org, other_org):
    local_host = org.hosts.get(is_default=True)
    edge = DockerHost.objects.create(org=org, name="edge", slug="edge", kind=HostKind.AGENT)
    DockerHost.objects.create(org=org, name="never", slug="never", kind=HostKind.AGENT)
    foreign = other_org.hosts.get(is_default=True)
    now = datetime.now(UTC)
    running = {"state": "running", "health": None}
    snapshots.store(local_host.pk, org.pk, unknown_metrics(), [
        {"id": "1", "name": "b", **running}, {"id": "2", "name": "a", "state": "exited"},
    ], now)  # fmt: skip
    snapshots.store(edge.pk, org.pk, unknown_metrics(), [
        {"id": "3", "name": "c", "state": "running", "health": "unhealthy"},
    ], now)  # fmt: skip
    snapshots.store(foreign.pk, other_org.pk, unknown_metrics(), [{"id": "9", "name": "z"}], now)

    viewer = auth_client("viewer")
    overview = viewer.get("/api/hosts/overview").json()
    assert overview["totals"]["containers"] == {
        "total": 3, "running": 2, "stopped": 1, "unhealthy": 1
    }  # fmt: skip
    assert overview["totals"]["hosts"] == 3
    assert overview["totals"]["sampled"] == 2
    rows = {row["slug"]: row for row in overview["hosts"]}
    assert rows["never"]["containers"] is None
    assert rows["edge"]["containers"]["running"] == 1
    assert rows["edge"]["kind"] == "agent"

    listing = viewer.get("/api/hosts/containers?limit=2").json()
    assert listing["total"] == 3
    assert [(row["host"]["slug"], row["name"]) for row in listing["containers"]] == [
        ("edge", "c"), ("local", "a"),
    ]  # fmt: skip
    assert viewer.get("/api/hosts/containers?limit=x").status_code == 400
