"""Lifecycle actions, remove, exec, bulk and self-protection against the real engine."""

import time

import pytest

from core.accounts.models import Role
from core.docker import self_protection
from tests.core.containers.conftest import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

SELF = {"error": "Cannot perform this action on the Cockpit API container"}


def _state(container):
    container.reload()
    return container.attrs["State"]


def test_stop_start_restart_as_operator(as_role, running):
    operator = as_role(Role.OPERATOR)
    response = operator.post(f"/api/containers/{running.id}/stop?t=2")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert _state(running)["Running"] is False

    assert operator.post(f"/api/containers/{running.name}/stop").status_code == 304
    assert operator.post(f"/api/containers/{running.name}/start").json() == {"ok": True}
    assert _state(running)["Running"] is True
    assert operator.post(f"/api/containers/{running.name}/start").status_code == 304

    started_at = _state(running)["StartedAt"]
    assert operator.post(f"/api/containers/{running.id[:12]}/restart?t=1").json() == {"ok": True}
    assert _state(running)["StartedAt"] != started_at


def test_stop_waits_t_seconds_then_kills(admin, make):
    stubborn = make(["sleep", "3600"])  # PID 1 ignores SIGTERM: only the kill after t ends it
    started = time.monotonic()
    assert admin.post(f"/api/containers/{stubborn.id}/stop?t=1").status_code == 200
    assert time.monotonic() - started < 6
    assert _state(stubborn)["Running"] is False


@pytest.mark.parametrize("t", ["abc", "-1", "601", "NaN", "1.5"])
def test_bad_t_is_400(admin, running, t):
    response = admin.post(f"/api/containers/{running.id}/stop?t={t}")
    assert response.status_code == 400
    assert response.json() == {"error": "t must be an integer between 0 and 600"}
    assert _state(running)["Running"] is True


def test_pause_and_unpause(as_role, running):
    operator = as_role(Role.OPERATOR)
    assert operator.post(f"/api/containers/{running.id}/pause").json() == {"ok": True}
    assert _state(running)["Paused"] is True
    assert operator.post(f"/api/containers/{running.id}/pause").status_code == 409
    assert operator.post(f"/api/containers/{running.id}/unpause").json() == {"ok": True}
    assert _state(running)["Paused"] is False
    response = operator.post(f"/api/containers/{running.id}/unpause")
    assert response.status_code == 409
    assert response.json()["error"]


@pytest.mark.parametrize("action", ["start", "stop", "restart", "pause", "unpause", "exec"])
def test_actions_on_unknown_containers_are_404(admin, action):
    body = {"command": "whoami"} if action == "exec" else None
    response = admin.post(f"/api/containers/ckt-ctr-missing/{action}", body, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


def test_remove_refuses_a_running_container_unless_forced(as_role, admin, running, make):
    assert as_role(Role.OPERATOR).delete(f"/api/containers/{running.id}").status_code == 403
    response = admin.delete(f"/api/containers/{running.id}")
    assert response.status_code == 409
    assert "running" in response.json()["error"]
    assert _state(running)["Running"] is True
    assert admin.delete(f"/api/containers/{running.id}?force=true").json() == {"ok": True}
    assert admin.get(f"/api/containers/{running.id}").status_code == 404

    stopped = make(start=False)
    assert admin.delete(f"/api/containers/{stopped.name}").json() == {"ok": True}
    response = admin.delete(f"/api/containers/{stopped.name}")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
    assert admin.delete(f"/api/containers/{running.id}?force=maybe").status_code == 400


def test_roles(as_role, running):
    viewer, operator = as_role(Role.VIEWER), as_role(Role.OPERATOR)
    denied = {"error": "Insufficient permissions"}
    for action in ("start", "stop", "restart", "pause", "unpause"):
        response = viewer.post(f"/api/containers/{running.id}/{action}")
        assert response.status_code == 403
        assert response.json() == denied
    assert viewer.post("/api/containers/bulk", {"ids": [running.id], "action": "start"}).json() == (
        denied
    )
    for action in ("exec", "rebuild"):
        assert operator.post(f"/api/containers/{running.id}/{action}").json() == denied
    assert operator.delete(f"/api/containers/{running.id}").json() == denied
    assert viewer.get(f"/api/containers/{running.id}/logs").status_code == 200


# --- exec ------------------------------------------------------------------------------------


def _exec(client, container, command, **kwargs):
    return client.post(f"/api/containers/{container.id}/exec", {"command": command}, format="json")


def test_exec_runs_an_allowed_command(admin, running):
    response = _exec(admin, running, "  whoami ")
    assert response.status_code == 200
    assert response.json() == {"output": "root", "exitCode": 0}
    body = _exec(admin, running, "ls -la /").json()
    assert body["exitCode"] == 0
    assert "etc" in body["output"]
    assert not body["output"].endswith("\n")


def test_exec_reports_a_missing_program_with_its_exit_code(admin, running):
    body = _exec(admin, running, "pg_isready").json()
    assert body["exitCode"] != 0
    assert body["output"]


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /",
        "whoami; rm -rf /",
        "whoami && id",
        "whoami | cat",
        "whoami `id`",
        "whoami $(id)",
        "whoami > /tmp/x",
        "cat /etc/passwd",
        "whoami\nid",
        "df  -h",
        "ls -la / #",
    ],
)
def test_exec_refuses_anything_else(admin, running, command):
    response = _exec(admin, running, command)
    assert response.status_code == 403
    assert response.json() == {"error": "Command not in allowed list"}


def test_exec_body_errors(admin, running):
    url = f"/api/containers/{running.id}/exec"
    for body in (None, {}, {"command": ""}, {"command": "   "}, {"command": 5}):
        response = admin.post(url, body, format="json")
        assert response.status_code == 400, body
        assert response.json() == {"error": "command required"}
    response = _exec(admin, running, "x" * 501)
    assert response.json() == {"error": "Command too long (max 500 chars)"}
    response = admin.post(url, [1, 2], format="json")
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_exec_extra_commands_from_settings(admin, running, settings):
    assert _exec(admin, running, "id -u").status_code == 403
    settings.EXEC_EXTRA_COMMANDS = ["id -u"]
    assert _exec(admin, running, "id -u").json() == {"output": "0", "exitCode": 0}


def test_exec_in_a_stopped_container_is_409(admin, make):
    stopped = make(start=False)
    response = _exec(admin, stopped, "whoami")
    assert response.status_code == 409


# --- bulk ------------------------------------------------------------------------------------


def test_bulk_runs_all_and_reports_each(as_role, make):
    operator = as_role(Role.OPERATOR)
    stopped = [make(start=False) for _ in range(3)]
    ids = [c.id for c in stopped] + ["ckt-ctr-missing"]
    started = time.monotonic()
    response = operator.post("/api/containers/bulk", {"ids": ids, "action": "start"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["action"] == "start"
    assert body["results"][:3] == [{"id": c.id, "success": True, "error": None} for c in stopped]
    assert body["results"][3] == {"id": "ckt-ctr-missing", "success": False, "error": "Not found"}
    assert all(_state(c)["Running"] for c in stopped)

    response = operator.post(
        "/api/containers/bulk", {"ids": [stopped[0].name], "action": "start"}, format="json"
    )
    assert response.json()["results"] == [
        {"id": stopped[0].name, "success": False, "error": "Container already started"}
    ]
    response = operator.post("/api/containers/bulk", {"ids": ids[:3], "action": "stop"})
    assert all(result["success"] for result in response.json()["results"])
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (None, "ids array required"),
        ({}, "ids array required"),
        ({"ids": "abc", "action": "start"}, "ids array required"),
        ({"ids": [], "action": "start"}, "ids array required"),
        ({"ids": ["a"]}, "action must be start, stop, or restart"),
        ({"ids": ["a"], "action": "remove"}, "action must be start, stop, or restart"),
        ({"ids": ["a"] * 21, "action": "kill"}, "action must be start, stop, or restart"),
        ({"ids": ["a"] * 21, "action": "stop"}, "Max 20 containers per bulk operation"),
        ({"ids": ["ok", "-bad"], "action": "stop"}, "Invalid container ID: -bad"),
        ({"ids": ["ok", 7], "action": "stop"}, "Invalid container ID: 7"),
    ],
)
def test_bulk_validation_order_and_messages(as_role, body, error):
    response = as_role(Role.OPERATOR).post("/api/containers/bulk", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_a_container_named_bulk_can_still_be_read(admin, make):
    make(name=f"bulk-{time.time_ns()}", start=False)  # not literally "bulk": names are shared
    assert admin.get("/api/containers/bulk").status_code == 404


# --- self-protection ------------------------------------------------------------------------


@pytest.fixture
def cockpit(make, settings):
    """A container playing the one Cockpit runs in."""
    container = make()
    settings.COCKPIT_CONTAINER_ID = container.id
    return container


@pytest.mark.parametrize("spelling", ["full", "short", "prefix13", "name", "tiny-prefix"])
def test_self_protection_by_any_name(admin, cockpit, spelling):
    reference = {
        "full": cockpit.id,
        "short": cockpit.id[:12],
        "prefix13": cockpit.id[:13],
        "name": cockpit.name,
        "tiny-prefix": cockpit.id[:5],  # resolved by the engine
    }[spelling]
    for action in ("stop", "restart", "pause", "rebuild"):
        response = admin.post(f"/api/containers/{reference}/{action}")
        assert response.status_code == 403, action
        assert response.json() == SELF
    assert _exec(admin, type("C", (), {"id": reference}), "whoami").json() == SELF
    assert admin.delete(f"/api/containers/{reference}?force=true").json() == SELF
    bulk = admin.post("/api/containers/bulk", {"ids": ["x1", reference], "action": "stop"})
    assert bulk.status_code == 403
    assert bulk.json() == SELF
    assert _state(cockpit)["Running"] is True
    assert admin.get(f"/api/containers/{reference}").status_code == 200  # reads are fine


def test_self_protection_with_a_short_configured_id(admin, cockpit, settings, make):
    settings.COCKPIT_CONTAINER_ID = cockpit.id[:12]
    assert admin.post(f"/api/containers/{cockpit.name}/stop").json() == SELF
    other = make()
    assert admin.post(f"/api/containers/{other.id}/stop?t=1").json() == {"ok": True}


def test_own_id_is_detected_from_mountinfo(tmp_path):
    full = "f" * 64
    (tmp_path / "mountinfo").write_text(
        "22 27 0:21 / /proc rw - proc proc rw\n"
        f"600 590 8:1 /var/lib/docker/containers/{full}/hostname /etc/hostname rw - ext4 x rw\n"
    )
    assert self_protection._detected_id.__wrapped__(str(tmp_path)) == full
    (tmp_path / "mountinfo").write_text("nothing here\n")
    (tmp_path / "cgroup").write_text(f"0::/system.slice/docker-{'a' * 64}.scope\n")
    assert self_protection._detected_id.__wrapped__(str(tmp_path)) == "a" * 64
    (tmp_path / "cgroup").write_text("0::/\n")
    assert self_protection._detected_id.__wrapped__(str(tmp_path)) == ""


def test_outside_a_container_nothing_is_self(settings, host, running):
    settings.COCKPIT_CONTAINER_ID = ""
    assert self_protection.own_container_id() == self_protection._detected_id()
    wait_for(lambda: True)
