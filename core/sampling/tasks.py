"""The sampler's Celery tasks: a beat tick every 15 s fans out one task per host. Local and tcp
hosts are sampled by control-plane workers; an agent host by its agent, on its own queue
`host.<id>`, which ships the sample back to the control plane (core.sampling.shipped)."""

from celery import shared_task

from core.agents.queues import host_queue
from core.sampling import service, shipped


@shared_task(name="core.sampling.tick", ignore_result=True)
def tick() -> int:
    """One `sample_host` task per sampled host, whether or not anyone watches. A task still
    queued when the next tick comes is dropped (`expires`): the next one replaces it."""
    host_ids = list(service.sampled_hosts().values_list("pk", flat=True))
    for host_id in host_ids:
        sample_host.apply_async((host_id,), expires=service.SAMPLE_INTERVAL)
    agents = list(shipped.agent_hosts_to_sample().values_list("pk", "name"))
    memory = shipped.remembered([host_id for host_id, _ in agents])
    for host_id, name in agents:
        sample_on_agent.apply_async(
            (name, memory[host_id]), queue=host_queue(host_id), expires=service.SAMPLE_INTERVAL
        )
    return len(host_ids) + len(agents)


@shared_task(name="core.sampling.sample_host", ignore_result=True)
def sample_host(host_id: int) -> str:
    return service.sample_if_due(host_id)


@shared_task(name="core.sampling.sample_on_agent", ignore_result=True)
def sample_on_agent(host_name: str, memory: dict) -> None:
    """Runs on the agent: sample this machine's engine, ship the sample back."""
    from core.agents.calls import local_host
    from core.agents.worker import agent_credentials

    credentials = agent_credentials()
    if credentials is None:
        return
    payload = shipped.collect_here(local_host(host_name), memory)
    store_agent_sample.apply_async(
        (credentials.host_id, credentials.secret, payload),
        argsrepr=f"({credentials.host_id}, '[secret]', ...)",
        queue=credentials.control_queue,
        expires=service.SAMPLE_INTERVAL * 2,
    )


@shared_task(name="core.sampling.store_agent_sample", ignore_result=True)
def store_agent_sample(host_id: int, secret: str, payload: dict) -> str:
    return shipped.store(host_id, secret, payload)
