"""The hot paths as daphne runs them: Django's ASGI handler with the async middleware chain
(core.http.inline, core.http.static) and the async fast path of core.containers.fast_read.
Django's AsyncClient drives the same handler; admin pages prove the session, CSRF and
messages middleware still work when their hooks run on the event loop."""

import re
import threading

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from core.accounts.models import User
from core.containers import host_cache
from core.containers import snapshot as container_snapshot
from core.containers.rendering import render
from core.http import inline

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _stop_watchers():
    yield
    container_snapshot.watchers.stop_all()
    host_cache.forget()


def call(method: str, path: str, **kwargs):
    return async_to_sync(getattr(AsyncClient(), method))(path, **kwargs)


def test_containers_and_overview_on_the_async_path(token_for, host):
    auth = {"headers": {"Authorization": f"Bearer {token_for('viewer')}"}}
    first = call("get", "/api/containers", **auth)  # cold: the DRF view answers
    assert first.status_code == 200
    watcher = container_snapshot.watchers.existing(host)
    for _ in range(10):
        if watcher.read(1.0) is not None:
            break
    warm = call("get", "/api/containers", **auth)
    snapshot = watcher.read(0)
    assert warm.status_code == 200
    assert warm.content == snapshot.body == render({"containers": snapshot.containers})
    assert warm["ETag"] == snapshot.etag
    assert warm["Allow"] == first["Allow"] == "GET, HEAD, OPTIONS"
    assert warm["X-Frame-Options"] == "DENY"  # the whole middleware chain ran
    assert warm["X-Content-Type-Options"] == "nosniff"
    assert "X-Request-ID" in warm
    assert "X-RateLimit-Remaining" in warm
    revalidated = call(
        "get", "/api/containers", headers={**auth["headers"], "If-None-Match": warm["ETag"]}
    )
    assert revalidated.status_code == 304
    overview = call("get", "/api/overview", **auth)
    assert overview.status_code == 200
    assert overview["Allow"] == "GET, HEAD, OPTIONS"
    assert overview.json()["containers"]["total"] == len(snapshot.containers)


def test_errors_on_the_async_path_are_the_drf_views(host):
    assert call("get", "/api/containers").json() == {
        "error": "Missing or invalid Authorization header"
    }
    wrong = call("get", "/api/overview", headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401


def test_admin_login_with_session_csrf_and_messages_on_the_async_path(db):
    User.objects.create_superuser(email="staff@example.com", password="staff password")
    client = AsyncClient(enforce_csrf_checks=True)
    page = async_to_sync(client.get)("/admin/login/")
    assert page.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    refused = async_to_sync(client.post)(
        "/admin/login/", {"username": "staff@example.com", "password": "staff password"}
    )
    assert refused.status_code == 403  # no CSRF token: CsrfViewMiddleware still guards
    logged_in = async_to_sync(client.post)(
        "/admin/login/?next=/admin/",
        {"username": "staff@example.com", "password": "staff password",
         "csrfmiddlewaretoken": token.decode()},
    )  # fmt: skip
    assert logged_in.status_code == 302
    assert async_to_sync(client.get)("/admin/").status_code == 200  # the session was saved


def test_static_files_are_still_served(db):
    response = call("get", "/static/admin/css/base.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_hooks_run_on_the_event_loop_thread(monkeypatch, host, token_for):
    """The point of core.http.inline: no worker thread for a hook that cannot block."""
    threads: list[str] = []
    original = inline.SecurityMiddleware.process_request

    def spy(self, request):
        threads.append(threading.current_thread().name)
        return original(self, request)

    monkeypatch.setattr(inline.SecurityMiddleware, "process_request", spy)

    async def one_request():
        loop_thread = threading.current_thread().name
        await AsyncClient().get("/health")
        return loop_thread

    loop_thread = async_to_sync(one_request)()
    assert threads == [loop_thread]
