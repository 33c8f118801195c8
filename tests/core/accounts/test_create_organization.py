"""`manage.py create_organization` and the first-admin bootstrap of `manage.py cockpit_setup`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.accounts.models import Membership, Organization, User
from core.hosts.models import DockerHost
from tests.core.accounts.conftest import login

pytestmark = pytest.mark.django_db


def create(*args) -> dict:
    out = StringIO()
    call_command("create_organization", *args, stdout=out)
    return json.loads(out.getvalue())


def test_creates_tenant_admin_and_default_host(settings, call, users_mode):
    result = create(
        "--name", "Initech", "--slug", "initech", "--edition", "pro",
        "--admin-email", "Boss@Initech.example", "--admin-password", "tps-reports-42",
    )  # fmt: skip
    org = Organization.objects.get(slug="initech")
    admin = User.objects.get(email="boss@initech.example")
    host = DockerHost.objects.get(org=org)
    assert result == {
        "organization": {"id": org.pk, "slug": "initech", "name": "Initech", "edition": "pro"},
        "admin": {"id": admin.pk, "email": "boss@initech.example"},
        "host": {"id": host.pk, "slug": "local"},
    }
    assert Membership.objects.get(user=admin, org=org).role == "admin"
    assert (host.kind, host.base_url, host.is_default) == ("local", settings.DOCKER_HOST, True)
    assert login(call, "boss@initech.example", "tps-reports-42").json()["role"] == "admin"


def test_without_an_admin(settings):
    result = create("--name", "Hooli", "--slug", "hooli")
    assert result["admin"] is None
    assert result["organization"]["edition"] == "ce"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "dup"], "already exists"),
        (
            ["--slug", "ok-1", "--admin-email", "a@b.example", "--admin-password", "short"],
            "too short",
        ),
        (["--slug", "Bad Slug"], "Invalid slug"),
        (["--slug", "ok-2", "--admin-email", "a@b.example"], "both an admin e-mail and"),
    ],
)
def test_clear_errors(args, message):
    Organization.objects.create(name="Dup", slug="dup")
    with pytest.raises(CommandError, match=message):
        call_command("create_organization", "--name", "X", *args, stdout=StringIO())
    assert not Organization.objects.filter(slug__in=["ok-1", "ok-2"]).exists()


def test_unknown_edition_is_refused():
    with pytest.raises(CommandError):
        call_command("create_organization", "--name", "X", "--slug", "x", "--edition", "gold")


def test_existing_admin_email_is_refused(member):
    user = member("viewer")
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_organization", "--name", "X", "--slug", "x2",
            "--admin-email", user.email, "--admin-password", "long enough",
            stdout=StringIO(),
        )  # fmt: skip


def setup_command() -> dict:
    out = StringIO()
    call_command("cockpit_setup", stdout=out)
    return json.loads(out.getvalue())


def test_bootstrap_first_admin(users_mode, call):
    users_mode.ADMIN_EMAIL = "root@example.com"
    users_mode.ADMIN_PASSWORD = "first admin pw"
    result = setup_command()
    assert result["admin"]["email"] == "root@example.com"
    default = Organization.objects.get(slug="default")
    assert Membership.objects.get(org=default).role == "admin"
    assert login(call, "root@example.com", "first admin pw").status_code == 200
    users_mode.ADMIN_PASSWORD = "changed later"
    assert setup_command()["admin"] is None  # only while the organisation has no user
    assert login(call, "root@example.com", "first admin pw").status_code == 200


def test_bootstrap_refuses_a_short_password(users_mode):
    users_mode.ADMIN_EMAIL = "root@example.com"
    users_mode.ADMIN_PASSWORD = "short"
    with pytest.raises(CommandError, match="too short"):
        setup_command()
    assert not User.objects.filter(email="root@example.com").exists()


def test_no_bootstrap_in_key_mode(key_mode):
    key_mode.ADMIN_EMAIL = "root@example.com"
    key_mode.ADMIN_PASSWORD = "first admin pw"
    assert setup_command()["admin"] is None
