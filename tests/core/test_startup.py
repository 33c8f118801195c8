"""Start-up guards and first-run secrets."""

import subprocess

import pytest

from cockpit.secrets import ensure_secret_files, read_secret_file
from tests.processes import PYTHON, ROOT, clean_env, free_port


def test_secret_files_are_created_0600_and_never_overwritten(tmp_path):
    created = ensure_secret_files(tmp_path)
    assert sorted(created) == ["api_key", "jwt_secret"]
    for name in created:
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    before = read_secret_file(tmp_path, "jwt_secret")
    assert len(before) >= 32
    assert ensure_secret_files(tmp_path) == []
    assert read_secret_file(tmp_path, "jwt_secret") == before


def test_environment_secrets_win_and_are_not_written(tmp_path):
    data_dir = tmp_path / "data"
    env = clean_env(data_dir, free_port(), JWT_SECRET="x" * 40, API_KEY="from-the-environment")
    subprocess.run([PYTHON, "-m", "cockpit.secrets"], cwd=ROOT, env=env, check=True)
    assert not (data_dir / "jwt_secret").exists()
    assert not (data_dir / "api_key").exists()


def test_web_refuses_to_start_without_a_jwt_secret(tmp_path):
    env = clean_env(tmp_path / "empty", free_port())
    result = subprocess.run(
        [PYTHON, "-c", "import cockpit.asgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "JWT_SECRET is not set" in result.stderr


@pytest.mark.parametrize("secret", ["change-me-in-production", "short"])
def test_placeholder_or_short_jwt_secret_is_refused(tmp_path, secret):
    env = clean_env(tmp_path / "empty", free_port(), JWT_SECRET=secret)
    result = subprocess.run(
        [PYTHON, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "cockpit.E001" in result.stderr
