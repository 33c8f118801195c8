"""How many streams are open, for `/api/health` and `/api/overview` (`sseClients`).

Per web process: the figure of the process that answers the request, which is also the figure
MAX_SSE_CLIENTS caps. A process that serves no streams (a worker) reports 0.
"""

from core.stream.hub import hub


def count() -> int:
    return hub().count
