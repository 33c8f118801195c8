"""`GET /metrics`: Cockpit's families, then django-prometheus' request metrics.

With several web processes, prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR set
to a directory shared by the web processes and emptied before they start) keeps each process's
counters in files; this view then aggregates them with a MultiProcessCollector in a fresh
registry. django-prometheus' stock view does the same but serves nothing else, which is why
Cockpit has its own: the cockpit_* families come from the snapshot store, identical in every
process, so they are rendered here rather than registered as collectors.
"""

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

from core.metrics import exposition, hooks, queues
from core.sampling import snapshots
from core.stream import clients

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def authorized(request) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return True
    presented = request.headers.get("Authorization", "")
    return hmac.compare_digest(presented.encode(), f"Bearer {expected}".encode())


def unauthorized() -> HttpResponse:
    response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
    response.keep_error_body = True  # the spec's plain-text answer, not the JSON contract
    return response


def process_metrics() -> bytes:
    """django-prometheus' (and the Python runtime's) metrics, across processes when needed."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def cockpit_metrics() -> str:
    return exposition.render(
        [
            *exposition.host_families(snapshots.latest_for_all()),
            exposition.alert_family(hooks.active_alerts_by_severity()),
            exposition.queue_family(queues.depths()),
            exposition.stream_family(clients.count()),
        ]
    )


@require_GET
def metrics_view(request):
    if not authorized(request):
        return unauthorized()
    body = cockpit_metrics().encode() + b"\n" + process_metrics()
    return HttpResponse(body, content_type=CONTENT_TYPE)
