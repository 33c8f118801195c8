"""Another organisation's user, key or host is a 404 (never a 403, never data), and no list
shows a foreign row."""

from types import SimpleNamespace

import pytest

from core.accounts import api_keys
from core.accounts.models import Membership, Organization
from core.accounts.tokens import principal_from_access_token
from core.api.base import HostNotFound, TenantAPIView
from core.hosts.models import DockerHost

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(users_mode, org, member, token_for):
    Organization.objects.filter(pk=org.pk).update(edition="enterprise")
    org.refresh_from_db()
    org.save()
    return token_for("admin")


@pytest.fixture
def theirs(other_org, member):
    user = member("viewer", other_org)
    member("admin", other_org)
    api_key, _ = api_keys.create(other_org.pk, "foreign", "admin", None)
    host = DockerHost.objects.create(
        org=other_org, name="remote", slug="remote", kind="tcp", base_url="tcp://10.9.9.9:2376"
    )
    return {
        "user": user,
        "key": api_key,
        "host": host,
        "default_host": other_org.hosts.get(is_default=True),
    }


def test_foreign_objects_are_404(call, mine, theirs):
    user, key, host = theirs["user"].pk, theirs["key"].pk, theirs["host"].pk
    for method, path, body in [
        ("delete", f"/auth/users/{user}", None),
        ("put", f"/auth/users/{user}/role", {"role": "admin"}),
        ("delete", f"/api/keys/{key}", None),
        ("get", f"/api/hosts/{host}", None),
        ("get", f"/api/hosts/{host}/ping", None),
        ("put", f"/api/hosts/{host}", {"name": "stolen"}),
        ("delete", f"/api/hosts/{host}", None),
        ("delete", f"/api/hosts/{theirs['default_host'].pk}", None),
    ]:
        response = call(method, path, body, token=mine)
        assert response.status_code == 404, (method, path, response.content)
        assert set(response.json()) == {"error"}
    # nothing changed on their side
    assert Membership.objects.get(user=theirs["user"]).role == "viewer"
    theirs["key"].refresh_from_db()
    assert theirs["key"].revoked_at is None
    assert DockerHost.objects.get(pk=host).name == "remote"


def test_lists_never_leak_foreign_rows(call, mine, theirs, org):
    users = call("get", "/auth/users", token=mine).json()["users"]
    assert theirs["user"].email not in [u["email"] for u in users]
    keys = call("get", "/api/keys", token=mine).json()["keys"]
    assert keys == []
    hosts = call("get", "/api/hosts", token=mine).json()["hosts"]
    assert {h["id"] for h in hosts} == set(org.hosts.values_list("pk", flat=True))


def test_host_query_parameter_cannot_name_a_foreign_host(mine, theirs):
    view = TenantAPIView()
    view.request = SimpleNamespace(
        user=principal_from_access_token(mine), query_params={"host": "remote"}
    )
    with pytest.raises(HostNotFound):
        view.get_host()


def test_a_key_never_authenticates_another_organisation(call, other_org, org):
    _, secret = api_keys.create(other_org.pk, "k", "admin", None)
    token = call("post", "/auth/token", {"apiKey": secret}).json()["accessToken"]
    hosts = call("get", "/api/hosts", token=token).json()["hosts"]
    assert {h["id"] for h in hosts} == set(other_org.hosts.values_list("pk", flat=True))
    assert not set(org.hosts.values_list("pk", flat=True)) & {h["id"] for h in hosts}
