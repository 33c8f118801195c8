"""The production compose files validate with the real compose binary (no image is pulled)."""

import json
import subprocess
from pathlib import Path

import pytest

from core.docker.compose import compose_binary
from tests.processes import ROOT

COMPOSE_DIR = ROOT / "compose"


def compose_config(env_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(compose_binary()), "-f", str(COMPOSE_DIR / "docker-compose.yml"),
         "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
def filled_env(tmp_path):
    text = (COMPOSE_DIR / ".env.example").read_text()
    text = text.replace("JWT_SECRET=\n", "JWT_SECRET=" + "s" * 48 + "\n")
    text = text.replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=pw\n")
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    return env_file


def test_control_plane_compose_file_validates(filled_env):
    result = compose_config(filled_env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in ("postgres", "redis", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert "postgres:5432" in services["web"]["environment"]["DATABASE_URL"]
    assert services["web"]["cap_drop"] == ["ALL"]


def test_compose_refuses_to_start_without_secrets(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text((COMPOSE_DIR / ".env.example").read_text())
    result = compose_config(env_file)
    assert result.returncode != 0
    assert "set JWT_SECRET" in result.stderr or "set POSTGRES_PASSWORD" in result.stderr


def test_image_runs_as_non_root_with_a_health_check():
    dockerfile = (COMPOSE_DIR / "Dockerfile").read_text()
    assert "\nUSER cockpit" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/health" in dockerfile


def agent_compose_config(env_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(compose_binary()), "-f", str(COMPOSE_DIR / "agent-compose.yml"),
         "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_agent_compose_file_validates(tmp_path):
    text = (COMPOSE_DIR / ".env.example").read_text()
    text = text.replace("COCKPIT_URL=\n", "COCKPIT_URL=https://cockpit.example\n")
    text = text.replace("ENROLLMENT_TOKEN=\n", "ENROLLMENT_TOKEN=ckenroll_x\n")
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    result = agent_compose_config(env_file)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"agent"}
    agent = services["agent"]
    assert agent["command"][:3] == ["python", "manage.py", "agent"]
    assert agent["environment"]["COCKPIT_URL"] == "https://cockpit.example"
    assert agent["environment"]["ENROLLMENT_TOKEN"] == "ckenroll_x"
    assert agent["environment"]["DOCKER_HOST"] == "unix:///var/run/docker.sock"
    assert "ports" not in agent  # it dials out; nothing listens
    sources = {volume["source"] for volume in agent["volumes"]}
    assert "/var/run/docker.sock" in sources
    assert "agent-data" in sources
    assert agent["healthcheck"]["test"]
    assert agent["cap_drop"] == ["ALL"]


def test_agent_compose_needs_the_control_plane_url(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text((COMPOSE_DIR / ".env.example").read_text())
    result = agent_compose_config(env_file)
    assert result.returncode != 0
    assert "set COCKPIT_URL" in result.stderr
