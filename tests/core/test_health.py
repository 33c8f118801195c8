"""`GET /health` and the service endpoints, against the real engine."""

import pytest

from core import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded_broker(settings, tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": str(queue),
    }
    return queue


@pytest.mark.docker
def test_health_ok_against_the_real_engine(client, embedded_broker):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"api": "ok", "db": "ok", "docker": "ok", "broker": "ok"}
    assert body["uptime"] > 0
    assert body["timestamp"].endswith("Z")


def test_health_degraded_when_docker_is_unreachable(client, settings, embedded_broker, tmp_path):
    settings.DOCKER_HOST = f"unix://{tmp_path}/nothing-listens-here.sock"
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["docker"] == "error"
    assert body["checks"]["db"] == "ok"
    assert body["checks"]["api"] == "ok"


def test_health_degraded_when_the_broker_folder_is_gone(client, embedded_broker):
    embedded_broker.rmdir()
    body = client.get("/health").json()
    assert body["checks"]["broker"] == "error"
    assert body["status"] == "degraded"


def test_health_degraded_when_the_database_fails(client, monkeypatch, embedded_broker):
    # A database outage cannot be produced on demand without losing the test database.
    monkeypatch.setattr(health, "database_ok", lambda: False)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["db"] == "error"


@pytest.mark.redis
def test_broker_check_uses_redis_when_configured(settings, redis_url):
    settings.REDIS_URL = redis_url
    assert health.broker_ok() is True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert health.broker_ok() is False


def test_service_info(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {
        "service": "lagoon-cockpit-api",
        "status": "ok",
        "edition": "ce",
        "docs": "/health",
    }


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/health" in document["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_docs_assets_are_served_locally(client):
    # No CDN is reachable from a self-hosted install: the Swagger UI must come from us.
    page = client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/" in page


def test_extensions_are_mounted_by_the_registry(auth_client):
    client = auth_client("viewer")  # extension routes sit behind authentication (spec §11.5)
    for name in ("cockpit-pro", "cockpit-enterprise"):
        response = client.get(f"/api/ext/{name}/")
        assert response.status_code == 200
        assert response.json() == {"extension": name, "installed": True}
