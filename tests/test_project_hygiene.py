"""The project's own promises, checked in every test run: lint, import layers, migrations in
sync, and a deployment configuration Django's checks accept."""

import subprocess
import sys

import pytest

from tests.processes import ROOT, clean_env, free_port

BIN = ROOT / ".venv" / "bin"


def run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["lint-imports"]],
    ids=["ruff-check", "ruff-format", "import-layers"],
)
def test_tooling_is_clean(command):
    result = run([str(BIN / command[0]), *command[1:]])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_migrations_are_committed_and_in_sync():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_the_deploy_checks(tmp_path):
    env = clean_env(
        tmp_path / "data",
        free_port(),
        JWT_SECRET="p" * 48,
        FORCE_HTTPS="true",
        ALLOWED_HOSTS="cockpit.example.com",
    )
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_documents_every_setting_read_from_the_environment():
    import re

    settings_source = (ROOT / "cockpit" / "settings.py").read_text()
    variables = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in variables if f"`{name}`" not in readme)
    assert not undocumented, f"README.md does not document {undocumented}"
    assert "make run" in readme
    assert "make test" in readme


def test_protective_middleware_stays_installed(settings):
    from core.checks import protective_middleware_check

    assert protective_middleware_check(None) == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("CsrfViewMiddleware")]
    assert [w.id for w in protective_middleware_check(None)] == ["cockpit.W001"]
