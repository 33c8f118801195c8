"""The sampler's Celery tasks: a beat tick every 15 s fans out one task per host."""

from celery import shared_task

from core.sampling import service


@shared_task(name="core.sampling.tick", ignore_result=True)
def tick() -> int:
    """One `sample_host` task per sampled host, whether or not anyone watches. A task still
    queued when the next tick comes is dropped (`expires`): the next one replaces it."""
    host_ids = list(service.sampled_hosts().values_list("pk", flat=True))
    for host_id in host_ids:
        sample_host.apply_async((host_id,), expires=service.SAMPLE_INTERVAL)
    return len(host_ids)


@shared_task(name="core.sampling.sample_host", ignore_result=True)
def sample_host(host_id: int) -> str:
    return service.sample_if_due(host_id)
