"""Queue names: each agent host has two queues, one for plain calls and samples and one for
streamed calls (log follows, pulls, compose runs), each consumed by its own worker of the
host's agent, so streams that last minutes never take the slots plain calls need. What agents
ship back goes to the control plane's queue (Celery's default, which every control-plane worker
consumes)."""

CONTROL_QUEUE = "celery"


def host_queue(host_id: int) -> str:
    return f"host.{host_id}"


def host_stream_queue(host_id: int) -> str:
    return f"{host_queue(host_id)}.streams"
