"""Agent tasks. `core.agents.call` (queue `host.<id>`, the agent's calls worker) and
`core.agents.stream` (queue `host.<id>.streams`, its stream worker) run ON an agent;
`heartbeat` and `mark_offline` run on the control plane."""

from celery import shared_task

from core.agents import calls, status, streamed_calls


@shared_task(name="core.agents.call", acks_late=True)
def call(request: dict) -> dict:
    """One gateway call on this agent's engine. `acks_late`: a message whose agent dies before
    finishing is redelivered, and the idempotency key keeps an action from running twice."""
    return calls.execute(request)


@shared_task(name="core.agents.stream", acks_late=True, ignore_result=True)
def stream(request: dict) -> str:
    """One streamed gateway call, relayed to its reader through the broker's Redis (no
    result: the reader pops the items). `acks_late` as for calls; the stream's claim keeps a
    redelivery from running it twice, and its reader's lease bounds how long it runs."""
    return streamed_calls.execute(request)


@shared_task(name="core.agents.heartbeat", ignore_result=True)
def heartbeat(host_id: int, secret: str, info: dict | None = None) -> bool:
    return status.heartbeat(host_id, secret, info)


@shared_task(name="core.agents.mark_offline", ignore_result=True)
def mark_offline() -> int:
    return status.mark_offline()
