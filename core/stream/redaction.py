"""Keep stream credentials out of daphne's access log.

Daphne writes `GET <path>?<query>` for every finished request when started with its default
verbosity (as `manage.py serve` does), which would print `?token=` and `?ticket=` values. The
access logger is created by daphne's command line after our application is imported, so the
query values of those parameters are masked on the class. Our own code never logs a query
string.
"""

import re

from daphne.access import AccessLogGenerator

SECRET_PARAMS = re.compile(r"([?&](?:token|ticket)=)[^&\s]*", re.IGNORECASE)
MASK = "[redacted]"


def redact(uri: str) -> str:
    return SECRET_PARAMS.sub(lambda match: match.group(1) + MASK, uri)


def redact_daphne_access_log() -> None:
    if getattr(AccessLogGenerator, "_cockpit_redacted", False):
        return
    original = AccessLogGenerator.__call__

    def __call__(self, protocol, action, details):
        if "path" in details:
            details = {**details, "path": redact(details["path"])}
        return original(self, protocol, action, details)

    AccessLogGenerator.__call__ = __call__
    AccessLogGenerator._cockpit_redacted = True
