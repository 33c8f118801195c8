"""The runner of compose commands (core.stacks.runner), the function an agent runs for its host
(and a worker for a local host), called directly against the real engine: files written under
this machine's stacks root with the API's checks, output batches then the exit code, forget on
delete, and the ps / logs reads."""

import pytest

from core.hosts.models import DockerHost, HostKind
from core.stacks import runner
from core.stacks.errors import BadRequest, InvalidStackName
from core.stacks.file_refs import UnsafeFileReference
from core.stacks.workspace import COMPOSE_FILE, ENV_FILE, project_directory
from tests.core.stacks.conftest import compose_file, engine_url, service, wait_for

pytestmark = pytest.mark.docker
ORG_ID = 7


def this_engine(host_id: int = 41) -> DockerHost:
    """What an agent builds for a shipped call: this machine's engine as a local host."""
    return DockerHost(pk=host_id, name="edge", slug="", kind=HostKind.LOCAL, base_url=engine_url())


def run(host: DockerHost, name: str, action: str, **extra) -> tuple[list[str], int]:
    lines, codes = [], []
    for item in runner.run_compose(host, ORG_ID, name, action, 120, **extra):
        if item is None:
            continue  # a tick while compose is quiet
        assert set(item) in ({"lines"}, {"exitCode"})
        assert not codes, "nothing comes after the exit code"
        if "lines" in item:
            lines.extend(item["lines"])
        else:
            codes.append(item["exitCode"])
    assert len(codes) == 1
    return lines, codes[0]


def test_up_ps_logs_down_forget_on_this_engine(projects, docker_client):
    host, name = this_engine(), projects.name()
    text = compose_file(app=service(environment={"GREETING": "${GREETING}"}))

    lines, code = run(host, name, "up", compose_text=text, env="GREETING=hello\n")

    assert code == 0, lines
    assert any("Started" in line or "Running" in line for line in lines)
    directory = project_directory(ORG_ID, host.id, name)
    assert (directory / COMPOSE_FILE).read_text() == text
    assert (directory / ENV_FILE).read_text() == "GREETING=hello\n"
    assert (directory / ENV_FILE).stat().st_mode & 0o077 == 0
    assert not any(str(directory) in line for line in lines)  # our paths are not shown
    [container] = docker_client.containers.list(
        filters={"label": f"com.docker.compose.project={name}"}
    )
    assert "GREETING=hello" in container.attrs["Config"]["Env"]

    [described] = runner.project_containers(host, name)
    assert (described["Service"], described["State"]) == ("app", "running")
    logged = wait_for(lambda: runner.service_logs(host, name, "app", 5))
    assert logged[-1].endswith("tick")

    lines, code = run(host, name, "down", compose_text=text, env=None, forget=True)
    assert code == 0, lines
    assert runner.project_containers(host, name) == []
    assert not directory.exists()


def test_a_failing_command_reports_its_exit_code(projects):
    name = projects.name()
    missing = service(image="cockpit-test/not-here:1")
    lines, code = run(this_engine(), name, "up", compose_text=compose_file(app=missing))
    assert code != 0
    assert any("not-here" in line for line in lines)
    # A failed delete keeps the files: the deployment still exists.
    assert project_directory(ORG_ID, this_engine().id, name).exists()


def test_an_env_file_left_from_an_earlier_version_is_removed(projects):
    host, name = this_engine(), projects.name()
    text = compose_file(app=service())
    assert run(host, name, "pull", compose_text=text, env="A=1\n")[1] == 0
    assert run(host, name, "pull", compose_text=text, env=None)[1] == 0
    assert not (project_directory(ORG_ID, host.id, name) / ENV_FILE).exists()


def test_down_without_files_acts_on_the_label(projects, docker_client):
    name = projects.up(app=service())
    lines, code = run(this_engine(), name, "down", volumes=True)
    assert code == 0, lines
    assert not docker_client.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={name}"}
    )


@pytest.mark.parametrize("name", ["../escape", "Upper", "a/b", ""])
def test_names_outside_the_rule_are_refused_before_anything_is_written(name):
    with pytest.raises(InvalidStackName):
        run(this_engine(), name, "up", compose_text=compose_file(app=service()))


@pytest.mark.parametrize(
    "unsafe",
    [
        {"env_file": "/etc/passwd"},
        {"env_file": ["../../agent.json"]},
        {"label_file": "~/secrets"},
        {"env_file": [{"path": "${HOME}/x"}]},
    ],
)
def test_files_outside_the_project_are_refused_on_the_runner_too(unsafe):
    name = "ckt-stk-refused"
    with pytest.raises(UnsafeFileReference):
        run(this_engine(), name, "up", compose_text=compose_file(app=service(**unsafe)))
    assert not project_directory(ORG_ID, this_engine().id, name).exists()


def test_include_outside_the_project_is_refused():
    text = '{"include": ["/app/data/other.yaml"], "services": {}}'
    with pytest.raises(UnsafeFileReference):
        run(this_engine(), "ckt-stk-include", "up", compose_text=text)


@pytest.mark.parametrize("action", ["rm", "exec", "up -d", "config"])
def test_only_up_pull_and_down_run(action):
    with pytest.raises(BadRequest):
        run(this_engine(), "ckt-stk-action", action, compose_text=compose_file(app=service()))


def test_the_command_lines():
    assert runner.compose_command("up") == ["up", "-d", "--remove-orphans"]
    assert runner.compose_command("pull") == ["pull"]
    assert runner.compose_command("down") == ["down", "--remove-orphans"]
    assert runner.compose_command("down", True) == ["down", "--remove-orphans", "--volumes"]
    assert runner.compose_command("up", True) == ["up", "-d", "--remove-orphans"]
