"""ASGI entry point served by daphne: `/api/stream` by its own ASGI app (no thread per open
stream, no Django middleware), everything else by Django, routed through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402  (needs Django set up first)

from cockpit.startup import require_runtime_secrets  # noqa: E402
from core.stream.app import route_stream  # noqa: E402
from core.stream.redaction import redact_daphne_access_log  # noqa: E402

require_runtime_secrets()
redact_daphne_access_log()

application = ProtocolTypeRouter({"http": route_stream(django_application)})
