"""Queue names: each agent host has its own queue; what agents ship back goes to the control
plane's (Celery's default queue, which every control-plane worker consumes)."""

CONTROL_QUEUE = "celery"


def host_queue(host_id: int) -> str:
    return f"host.{host_id}"
