"""The compose runner: the bundled binary (not the console script, not the repo's compose/
folder), its exit codes, and the environment it is given."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.docker import compose
from core.docker.compose import ComposeInvalid, ComposeProject, compose_binary
from core.docker.errors import EngineUnavailable
from tests.core.stacks.conftest import compose_file, engine_url, service
from tests.processes import ROOT


def test_the_binary_is_site_packages_compose_even_from_the_repo_root():
    assert (ROOT / "compose").is_dir()  # the folder of Dockerfiles that shares the name
    found = subprocess.run(
        [sys.executable, "-c", "from core.docker.compose import compose_binary as b; print(b())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    path = Path(found)
    assert path.name == "docker-compose"
    assert "site-packages" in path.parts
    assert not path.is_relative_to(ROOT / "compose")
    assert path == compose_binary()


def test_the_binary_reports_failure_unlike_its_console_script(tmp_path):
    result = subprocess.run(
        [str(compose_binary()), "-f", str(tmp_path / "missing.yaml"), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    version = subprocess.run(
        [str(compose_binary()), "version", "--short"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip().startswith("2.")


def scratch(tmp_path, text: str, env: str | None = None) -> ComposeProject:
    (tmp_path / "compose.yaml").write_text(text)
    env_file = None
    if env is not None:
        env_file = tmp_path / ".env"
        env_file.write_text(env)
    return ComposeProject(
        name="ckt-stk-runner",
        docker_host=engine_url(),
        host_name="test-engine",
        directory=tmp_path,
        compose_file=tmp_path / "compose.yaml",
        env_file=env_file,
    )


def test_our_own_secrets_cannot_be_interpolated(tmp_path, monkeypatch):
    monkeypatch.setenv("JWT_SECRET", "server-secret-value")
    leak = service(environment={"LEAK": "${JWT_SECRET:-absent}", "OWN": "${FROM_ENV_FILE}"})
    project = scratch(tmp_path, compose_file(app=leak), env="FROM_ENV_FILE=given\n")

    model = compose.validate(project)

    assert model["services"]["app"]["environment"] == {"LEAK": "absent", "OWN": "given"}
    assert "server-secret-value" not in str(project.environment())


def test_invalid_file_message_names_the_file_not_our_directory(tmp_path):
    project = scratch(tmp_path, "services:\n  web:\n    image: x\n    bogus: 1\n")
    with pytest.raises(ComposeInvalid) as raised:
        compose.validate(project)
    message = str(raised.value.detail)
    assert (
        message == "validating compose.yaml: services.web additional properties 'bogus' not allowed"
    )


def test_an_unreachable_engine_is_503_with_the_host_name():
    project = ComposeProject(
        name="ckt-stk-nowhere", docker_host="unix:///nonexistent/docker.sock", host_name="far"
    )
    with pytest.raises(EngineUnavailable) as raised:
        compose.ps(project)
    assert raised.value.status_code == 503
    assert str(raised.value.detail) == "Docker engine unavailable on host far"


def drain(output) -> tuple[list[list[str]], int]:
    """Every batch a `compose.stream` generator yields, and the exit code it returns."""
    batches = []
    while True:
        try:
            batches.append(next(output))
        except StopIteration as finished:
            return batches, finished.value


def test_stream_hands_over_lines_while_the_command_runs(tmp_path):
    project = scratch(tmp_path, compose_file(app=service()))
    batches, code = drain(compose.stream(project, ["config", "--services"], timeout=60))
    assert code == 0
    assert [line for batch in batches for line in batch] == ["app"]


def test_stream_kills_a_command_past_its_timeout(tmp_path, monkeypatch):
    project = scratch(tmp_path, compose_file(app=service()))
    # `compose_binary` is replaced by a program that never ends on its own.
    monkeypatch.setattr(ComposeProject, "argv", lambda self, *c: ["sleep", "30"])
    batches, code = drain(compose.stream(project, [], timeout=0.5))
    assert code == -9
    assert batches[-1][-1].startswith("Cockpit: compose did not finish within")


def test_a_reader_that_stops_listening_kills_the_command(tmp_path, monkeypatch):
    project = scratch(tmp_path, compose_file(app=service()))
    script = "echo started; exec sleep 30"
    monkeypatch.setattr(ComposeProject, "argv", lambda self, *c: ["sh", "-c", script])
    output = compose.stream(project, [], timeout=60, flush_every=0.05)
    assert next(output) == ["started"]
    started = time.monotonic()
    output.close()  # the caller went away: the command does not run on for 30 s
    assert time.monotonic() - started < 5


def test_a_quiet_command_ticks_with_empty_batches(tmp_path, monkeypatch):
    project = scratch(tmp_path, compose_file(app=service()))
    monkeypatch.setattr(ComposeProject, "argv", lambda self, *c: ["sh", "-c", "sleep 1; echo done"])
    batches, code = drain(compose.stream(project, [], timeout=60, tick_every=0.2))
    assert code == 0
    assert batches[-1] == ["done"]
    assert [] in batches[:-1]
