"""Every route in the URLconf, with the minimum role of each method.

MATRIX below is THE table: when you add a route, add it here (pattern exactly as the URLconf
spells it, `{method: minimum role or PUBLIC}`). A route missing from the table fails
`test_every_route_is_in_the_matrix`. For each route and method the tests then check that:

- without a token a non-public route answers 401,
- every role below the minimum answers 403,
- the minimum role is let through (any status but 401/403: a 400/404/503 for the bogus ids
  and empty bodies used here is fine).

The calls are made as members of an organisation whose default host is a dead engine, so a
destructive route called with the minimum role can never touch a real Docker engine.
Path parameters are filled with "999999" (regex alternatives: the first one); where the role
depends on the concrete path, give `{method: {sample path: role}}` instead of a role.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from core.accounts.models import Organization, Role
from core.hosts.models import DockerHost

PUBLIC = "public"
VIEWER, OPERATOR, ADMIN = Role.VIEWER, Role.OPERATOR, Role.ADMIN
RANKED = [VIEWER, OPERATOR, ADMIN]

# Not API routes: Django admin and the OpenAPI documents have their own access rules, and
# tests/urls.py mounts test-only views under test/.
EXCLUDED_PREFIXES = ("admin/", "test/")
EXCLUDED_ROUTES = {"api/schema", "api/docs"}

# (route, method) pairs whose minimum-role call is not made because it would not return
# (e.g. an event stream); their 401/403 checks still run.
NOT_CALLED_AS_MINIMUM: set[tuple[str, str]] = set()

MATRIX: dict[str, dict[str, str | dict[str, str]]] = {
    # --- public -------------------------------------------------------------------------------
    "": {"get": PUBLIC},
    "health": {"get": PUBLIC},
    "source": {"get": PUBLIC},
    "metrics": {"get": PUBLIC},  # METRICS_TOKEN is unset in tests
    "auth/token": {"post": PUBLIC},
    "auth/login": {"post": PUBLIC},
    "auth/refresh": {"post": PUBLIC},
    "auth/logout": {"post": PUBLIC},
    # --- identity -----------------------------------------------------------------------------
    "auth/me": {"get": VIEWER},
    "auth/me/password": {"put": VIEWER},
    "auth/users": {"get": ADMIN, "post": ADMIN},
    "auth/users/<str:user_id>": {"delete": ADMIN},
    "auth/users/<str:user_id>/role": {"put": ADMIN},
    "api/keys": {"get": ADMIN, "post": ADMIN},
    "api/keys/<str:key_id>": {"delete": ADMIN},
    "api/hosts": {"get": VIEWER, "post": ADMIN},
    "api/hosts/<str:host_id>": {"get": VIEWER, "put": ADMIN, "delete": ADMIN},
    "api/hosts/overview": {"get": VIEWER},
    "api/hosts/containers": {"get": VIEWER},
    "api/hosts/<str:host_id>/enrollment": {"post": ADMIN},
    "api/hosts/<str:host_id>/ping": {"get": VIEWER},
    "api/agents/enroll": {"post": PUBLIC},
    # --- service, editions, audit -------------------------------------------------------------
    "api/health": {"get": VIEWER},
    "api/edition": {"get": VIEWER},
    "api/audit": {"get": ADMIN},
    "api/ext/cockpit-pro/": {"get": VIEWER},
    "api/ext/cockpit-enterprise/": {"get": VIEWER},
    # --- system and resources -----------------------------------------------------------------
    "api/overview": {"get": VIEWER},
    "api/system/metrics": {"get": VIEWER},
    "api/system/docker": {"get": VIEWER},
    "api/system/disk": {"get": VIEWER},
    "api/system/prune": {"post": ADMIN},
    "api/images": {"get": VIEWER},
    "api/images/prune": {"post": ADMIN},
    "api/images/pull": {"post": ADMIN},
    "api/images/<path:image>": {"delete": ADMIN},
    "api/networks": {"get": VIEWER, "post": ADMIN},
    "api/networks/<str:network>": {"delete": ADMIN},
    "api/volumes": {"get": VIEWER, "post": ADMIN},
    "api/volumes/<str:name>": {"delete": ADMIN},
    # --- containers ---------------------------------------------------------------------------
    "api/containers": {"get": VIEWER},
    "api/containers/bulk": {"get": VIEWER, "post": OPERATOR, "delete": ADMIN},
    "api/containers/<str:container_id>": {"get": VIEWER, "delete": ADMIN},
    "api/containers/<str:container_id>/logs": {"get": VIEWER},
    "api/containers/<str:container_id>/logs/search": {"get": VIEWER},
    "api/containers/<str:container_id>/top": {"get": VIEWER},
    "api/containers/<str:container_id>/exec": {"post": ADMIN},
    "api/containers/<str:container_id>/rebuild": {"post": ADMIN},
    "api/containers/<str:container_id>/start": {"post": OPERATOR},
    "api/containers/<str:container_id>/stop": {"post": OPERATOR},
    "api/containers/<str:container_id>/restart": {"post": OPERATOR},
    "api/containers/<str:container_id>/pause": {"post": OPERATOR},
    "api/containers/<str:container_id>/unpause": {"post": OPERATOR},
    # --- stacks (operators may start/stop/restart: spec §14.12) -------------------------------
    "api/stacks": {"get": VIEWER, "post": ADMIN},
    "api/stacks/operations/<int:operation_id>": {"get": VIEWER},
    "^api/stacks/(?P<name>[^/]+)$": {"get": VIEWER, "delete": ADMIN},
    "^api/stacks/(?P<name>[^/]+)/(?P<action>start|stop|restart)$": {"post": OPERATOR},
    "^api/stacks/(?P<name>[^/]+)/(?P<operation>deploy|pull|down|rollback)$": {
        "post": {
            "api/stacks/999999/deploy": OPERATOR,
            "api/stacks/999999/pull": OPERATOR,
            "api/stacks/999999/down": ADMIN,
            "api/stacks/999999/rollback": ADMIN,
        }
    },
    "^api/stacks/(?P<name>[^/]+)/services$": {"get": VIEWER},
    "^api/stacks/(?P<name>[^/]+)/logs$": {"get": VIEWER},
    "^api/stacks/(?P<name>[^/]+)/versions$": {"get": VIEWER},
    "^api/stacks/(?P<name>[^/]+)/versions/(?P<number>[0-9]{1,9})$": {"get": VIEWER},
    "^api/stacks/(?P<name>[^/]+)/operations$": {"get": VIEWER},
    # --- stream, webhooks ---------------------------------------------------------------------
    "api/stream/ticket": {"post": VIEWER},
    "api/webhooks": {"get": ADMIN, "post": ADMIN},
    "api/webhooks/<str:webhook_id>": {"get": ADMIN, "put": ADMIN, "patch": ADMIN, "delete": ADMIN},
    "api/webhooks/<str:webhook_id>/toggle": {"put": ADMIN},
    "api/webhooks/<str:webhook_id>/test": {"post": ADMIN},
    "api/webhooks/<str:webhook_id>/secret": {"post": ADMIN},
    "api/webhooks/<str:webhook_id>/deliveries": {"get": ADMIN},
    # --- integrations -------------------------------------------------------------------------
    "api/integrations": {"get": VIEWER, "post": ADMIN},
    "api/integrations/adapters": {"get": VIEWER},
    "api/integrations/<str:integration_id>": {
        "get": VIEWER,
        "put": ADMIN,
        "patch": ADMIN,
        "delete": ADMIN,
    },
    "api/integrations/<str:integration_id>/test": {"post": ADMIN},
    "api/integrations/<str:integration_id>/poll": {"post": ADMIN},
    "api/integrations/<str:integration_id>/data": {"get": VIEWER},
    # --- metrics history ---------------------------------------------------------------------
    "api/metrics/history": {"get": VIEWER},
    # --- alerts, maintenance -------------------------------------------------------------------
    "api/alerts/rules": {"get": VIEWER, "post": ADMIN},
    "api/alerts/rules/<str:rule_id>": {"get": VIEWER, "patch": ADMIN, "delete": ADMIN},
    "api/alerts/rules/<str:rule_id>/toggle": {"put": ADMIN},
    "api/alerts/events": {"get": VIEWER},
    "api/alerts/events/<str:event_id>": {"get": VIEWER},
    "api/alerts/events/<str:event_id>/ack": {"post": OPERATOR},
    "api/maintenance": {"get": VIEWER, "post": ADMIN},
    "api/endpoints": {"get": VIEWER},
    "api/ssl": {"get": VIEWER},
    # --- schedules, push -----------------------------------------------------------------------
    "api/schedules": {"get": VIEWER, "post": ADMIN},
    "api/schedules/history": {"get": VIEWER},
    "api/schedules/<str:schedule_id>": {"get": VIEWER, "patch": ADMIN, "delete": ADMIN},
    "api/schedules/<str:schedule_id>/toggle": {"put": ADMIN},
    "api/schedules/<str:schedule_id>/run": {"post": ADMIN},
    "api/push/register": {"post": VIEWER, "delete": VIEWER},
    "api/push/tokens": {"get": VIEWER},
}

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
BOGUS = "999999"


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(EXCLUDED_PREFIXES) or route in EXCLUDED_ROUTES:
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def routes() -> dict:
    return dict(_walk(get_resolver().url_patterns))


def sample_path(route: str) -> str:
    """A concrete path for a route pattern, with bogus parameters."""
    if route.startswith("^"):
        body = route.removeprefix("^").removesuffix("$")

        def fill(match):
            alternatives = match.group(2)
            if re.fullmatch(r"[\w-]+(\|[\w-]+)*", alternatives):
                return alternatives.split("|")[0]
            return BOGUS

        return "/" + re.sub(r"\(\?P<(\w+)>([^()]*)\)", fill, body)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", BOGUS, route)


def implemented_methods(callback) -> set[str] | None:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return None  # a function view: trust the table
    return {method for method in HTTP_METHODS if hasattr(view_class, method)}


def cases():
    for route, methods in MATRIX.items():
        for method, minimum in methods.items():
            samples = minimum if isinstance(minimum, dict) else {sample_path(route): minimum}
            for path, role in samples.items():
                yield pytest.param(
                    route, method, "/" + path.lstrip("/"), role, id=f"{method} {path}"
                )


def test_every_route_is_in_the_matrix():
    present = routes()
    missing = sorted(set(present) - set(MATRIX))
    assert not missing, (
        f"routes missing from the role matrix (tests/core/test_role_matrix.py): {missing}"
    )
    stale = sorted(set(MATRIX) - set(present))
    assert not stale, f"role matrix rows for routes that no longer exist: {stale}"


def test_the_matrix_lists_exactly_the_methods_each_view_implements():
    for route, callback in routes().items():
        implemented = implemented_methods(callback)
        if implemented is not None:
            assert set(MATRIX[route]) == implemented, route


def test_sample_paths_resolve_to_their_route():
    present = routes()
    for route in MATRIX:
        if route in present:
            match = get_resolver().resolve(sample_path(route))
            assert match.func == present[route], route


@pytest.fixture
def matrix_org(db):
    org = Organization.objects.create(name="Matrix", slug="role-matrix", edition="enterprise")
    DockerHost.objects.create(
        org=org,
        name="dead",
        slug="dead",
        base_url="unix:///nonexistent/cockpit-role-matrix.sock",
        is_default=True,
    )
    return org


def _send(method: str, path: str, token: str | None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if method in ("post", "put", "patch"):
        return getattr(client, method)(path, {}, format="json")
    return getattr(client, method)(path)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "path", "minimum"), list(cases()))
def test_role_matrix(route, method, path, minimum, matrix_org, token_for):
    if minimum == PUBLIC:
        response = _send(method, path, None)
        assert response.status_code not in (401, 403), response.content
        return
    anonymous = _send(method, path, None)
    assert anonymous.status_code == 401, anonymous.content
    assert anonymous.json() == {"error": "Missing or invalid Authorization header"}
    for lower in RANKED[: RANKED.index(minimum)]:
        response = _send(method, path, token_for(lower, matrix_org))
        assert response.status_code == 403, (lower, response.content)
        assert response.json() == {"error": "Insufficient permissions"}
    if (route, method) not in NOT_CALLED_AS_MINIMUM:
        response = _send(method, path, token_for(minimum, matrix_org))
        assert response.status_code not in (401, 403), response.content
