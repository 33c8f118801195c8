"""A Celery app for the end-to-end stream test: Cockpit's own app plus one task that publishes,
so the event really leaves a worker process."""

from cockpit.celery import app


@app.task(name="tests.stream.publish")
def publish_event(org_id: int, event: str, data: dict) -> str:
    from core.stream.publish import publish  # after the worker set Django up

    publish(org_id, event, data)
    return "published"
