"""Networks on one host: list, create, remove."""

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import ip_network

import docker

from core.docker.errors import DockerAPIError, DockerConflict
from core.docker.host_calls import engine, engine_message, on_host
from core.docker.timestamps import iso_utc
from core.hosts.models import DockerHost

NOT_FOUND = "Not found"
PREDEFINED = frozenset({"bridge", "host", "none"})


class PredefinedNetwork(DockerAPIError):
    status_code = 403

    def __init__(self, name: str):
        super().__init__(f"Cannot remove predefined network {name}")


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    driver: str = "bridge"
    internal: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None


def _with_prefix(address: str | None, prefix: int | None) -> str:
    return f"{address}/{prefix}" if address and prefix else address or ""


def _members_by_network(containers: list[dict]) -> dict[str, list[dict]]:
    """Each running container's endpoint, keyed by network id, in the network-inspect shape."""
    members: dict[str, list[dict]] = defaultdict(list)
    for container in containers:
        name = ((container.get("Names") or [""])[0]).lstrip("/")
        networks = (container.get("NetworkSettings") or {}).get("Networks") or {}
        for endpoint in networks.values():
            members[endpoint.get("NetworkID")].append(
                {
                    "id": container["Id"],
                    "name": name,
                    "ipv4": _with_prefix(endpoint.get("IPAddress"), endpoint.get("IPPrefixLen")),
                    "ipv6": _with_prefix(
                        endpoint.get("GlobalIPv6Address"), endpoint.get("GlobalIPv6PrefixLen")
                    ),
                    "mac": endpoint.get("MacAddress") or "",
                }
            )
    return members


def _summary(network: dict, members: list[dict]) -> dict:
    return {
        "id": network["Id"],
        "name": network["Name"],
        "driver": network.get("Driver"),
        "scope": network.get("Scope"),
        "internal": bool(network.get("Internal")),
        "containers": members,
        "options": network.get("Options") or {},
        "created": iso_utc(network.get("Created")),
    }


@on_host("networks.list")
def list_networks(host: DockerHost) -> list[dict]:
    """Every network with its running members (one network list, one container list)."""
    with engine(host) as client:
        networks = client.api.networks()
        containers = client.api.containers()
    members = _members_by_network(containers)
    return [_summary(network, members.get(network["Id"], [])) for network in networks]


def _name_taken(client: docker.DockerClient, name: str) -> bool:
    # The engine's name filter matches substrings; only an exact name is a duplicate.
    return any(network["Name"] == name for network in client.api.networks(names=[name]))


@on_host("networks.create")
def create_network(host: DockerHost, spec: NetworkSpec) -> dict:
    """Create a network (409 when the name exists or the subnet overlaps another network)."""
    ipam = None
    if spec.subnet:
        pool = docker.types.IPAMPool(
            subnet=spec.subnet, gateway=spec.gateway, iprange=spec.ip_range
        )
        ipam = docker.types.IPAMConfig(pool_configs=[pool])
    ipv6 = bool(spec.subnet) and ip_network(spec.subnet).version == 6
    with engine(host) as client:
        if _name_taken(client, spec.name):
            raise DockerConflict(f"Network {spec.name} already exists")
        try:
            created = client.api.create_network(
                spec.name,
                driver=spec.driver,
                options=spec.options or None,
                ipam=ipam,
                check_duplicate=True,
                internal=spec.internal,
                labels=spec.labels or None,
                enable_ipv6=ipv6,
            )
        except docker.errors.APIError as exc:
            message = engine_message(exc)
            if "overlap" in message.lower():
                raise DockerConflict(f"Subnet overlaps an existing network: {message}") from exc
            raise
        network = client.api.inspect_network(created["Id"])
    return _summary(network, [])


@on_host("networks.remove")
def remove_network(host: DockerHost, network_id: str) -> None:
    """Remove a network by id or name. The engine's own networks are refused (403); a network
    with connected containers is in use (409)."""
    if network_id in PREDEFINED:
        raise PredefinedNetwork(network_id)
    with engine(host, not_found=NOT_FOUND) as client:
        try:
            client.api.remove_network(network_id)
        except docker.errors.APIError as exc:
            message = engine_message(exc)
            if "pre-defined" in message:
                raise PredefinedNetwork(message.split(" ", 1)[0]) from exc
            if "active endpoints" in message or exc.status_code == 409:
                raise DockerConflict(f"Network {network_id} is in use: {message}") from exc
            raise
