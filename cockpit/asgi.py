"""ASGI entry point served by daphne: Django for HTTP, routed through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402  (needs Django set up first)

from cockpit.startup import require_runtime_secrets  # noqa: E402

require_runtime_secrets()

application = ProtocolTypeRouter({"http": django_application})
