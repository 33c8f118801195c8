"""Fixtures for the sampler tests: what publish() really sent (read from the embedded stream
transport's socket), what the sampler handed to alert evaluation and push (both owned by other
features, tested there), and eager Celery for webhook deliveries."""

import pytest

from cockpit.celery import app as celery_app
from core.sampling import peers


class Calls(list):
    def __call__(self, *args):
        self.append(args)
        return 1


@pytest.fixture
def pushes(monkeypatch):
    """Every core.push notify() call the sampler makes: (org_id, title, body, data, severity)."""
    calls = Calls()
    monkeypatch.setattr(peers, "notify", calls)
    return calls


@pytest.fixture
def evaluations(monkeypatch):
    """Every core.alerts evaluate() call the sampler makes: (host, values, sampled_at)."""
    calls = Calls()
    monkeypatch.setattr(peers, "evaluate", calls)
    return calls


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous
