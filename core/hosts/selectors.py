"""Reading an organisation's Docker hosts: every query is scoped to one organisation."""

from core.hosts.errors import HostNotFound
from core.hosts.models import DockerHost


def hosts_of(org_id: int):
    return DockerHost.objects.filter(org_id=org_id)


def get_host(org_id: int, host_id: int, for_update: bool = False) -> DockerHost:
    rows = hosts_of(org_id)
    if for_update:
        rows = rows.select_for_update()
    host = rows.filter(pk=host_id).first()
    if host is None:
        raise HostNotFound()
    return host
