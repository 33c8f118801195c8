"""Django closes "old" database connections when a request starts and finishes. Its test client
unhooks that while it runs a request, because the test's own connection sits inside the test's
transaction and would be closed (PostgreSQL notices; SQLite's in-memory database ignores it).
Requests that reach the app another way in tests need the same care."""

from contextlib import contextmanager

from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@contextmanager
def keep_test_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def close_response(response) -> None:
    """Close a partly read (or unread) streaming response of the test client without closing
    the test's connection. The client wraps the content in a generator whose own clean-up
    hooks the connection tidying back in, so that generator is left out of the close."""
    wrapper_close = response._iterator.close
    response._resource_closers = [c for c in response._resource_closers if c != wrapper_close]
    with keep_test_connection():
        response.close()
