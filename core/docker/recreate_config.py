"""What it takes to create a container again exactly as it was, from its inspect data.

Inspect merges the image's defaults into the container's config. Values equal to the old
image's defaults are left out, so the new image's defaults apply (a rebuilt image may change
its CMD or ENV); everything the container set itself is kept: cmd, entrypoint, env, labels,
ports, host config (binds, mounts, restart policy, resources), network attachments with their
aliases and static addresses, and its anonymous volumes (re-mounted, so data survives).
"""

from dataclasses import dataclass, field

# Config keys the image can supply a default for (compared against the old image).
_INHERITED = ("Cmd", "Entrypoint", "WorkingDir", "User", "Healthcheck", "StopSignal", "Shell")
_CARRIED = (
    "Domainname",
    "AttachStdin",
    "AttachStdout",
    "AttachStderr",
    "Tty",
    "OpenStdin",
    "StdinOnce",
    "NetworkDisabled",
    "StopTimeout",
)
_BUILTIN_NETWORKS = {"bridge", "host", "none", "default"}
_ENDPOINT_KEYS = ("IPAMConfig", "Links", "DriverOpts")


@dataclass
class CreationSpec:
    name: str
    config: dict  # the body of POST /containers/create
    extra_networks: dict[str, dict] = field(default_factory=dict)  # connected after create


def _entries_not_in(values: list | None, defaults: list | None) -> list | None:
    defaults = set(defaults or [])
    kept = [value for value in values or [] if value not in defaults]
    return kept or None


def _keys_not_in(values: dict | None, defaults: dict | None) -> dict | None:
    defaults = defaults or {}
    kept = {key: value for key, value in (values or {}).items() if defaults.get(key) != value}
    return kept or None


def _endpoint(settings: dict, container_id: str, user_defined: bool) -> dict:
    endpoint = {key: settings[key] for key in _ENDPOINT_KEYS if settings.get(key)}
    aliases = [
        alias
        for alias in settings.get("Aliases") or []
        if alias not in (container_id, container_id[:12])  # the engine adds the short id itself
    ]
    if aliases and user_defined:
        endpoint["Aliases"] = aliases
    return endpoint


def _bind_target(bind: str) -> str:
    parts = bind.split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _host_config(info: dict) -> dict:
    host_config = dict(info.get("HostConfig") or {})
    links = host_config.get("Links")
    if links:  # inspect shows legacy links as "/other:/this/alias"; create wants "other:alias"
        host_config["Links"] = [
            f"{link.split(':')[0].lstrip('/')}:{link.split(':')[-1].rsplit('/', 1)[-1]}"
            for link in links
        ]
    covered = {_bind_target(bind) for bind in host_config.get("Binds") or []}
    mounts = list(host_config.get("Mounts") or [])
    covered |= {mount.get("Target") for mount in mounts}
    for mount in info.get("Mounts") or []:
        if mount.get("Type") == "volume" and mount.get("Destination") not in covered:
            mounts.append(
                {
                    "Type": "volume",
                    "Source": mount["Name"],
                    "Target": mount["Destination"],
                    "ReadOnly": not mount.get("RW", True),
                }
            )
    if mounts:
        host_config["Mounts"] = mounts
    return host_config


def creation_spec(info: dict, old_image: dict | None) -> CreationSpec:
    """The create request (and later network connections) that reproduce `info`."""
    current = info.get("Config") or {}
    defaults = (old_image or {}).get("Config") or {}
    container_id = info["Id"]
    config: dict = {"Image": current.get("Image")}
    for key in _CARRIED:
        if current.get(key) is not None:
            config[key] = current[key]
    if current.get("Hostname") and current["Hostname"] != container_id[:12]:
        config["Hostname"] = current["Hostname"]
    for key in _INHERITED:
        if current.get(key) is not None and current.get(key) != defaults.get(key):
            config[key] = current[key]
    if "Entrypoint" in config and current.get("Cmd") is not None:
        config["Cmd"] = current["Cmd"]  # an explicit entrypoint drops the image's CMD
    env = _entries_not_in(current.get("Env"), defaults.get("Env"))
    if env:
        config["Env"] = env
    for key in ("Labels", "ExposedPorts"):
        kept = _keys_not_in(current.get(key), defaults.get(key))
        if kept:
            config[key] = kept

    host_config = _host_config(info)
    mounted = {mount.get("Target") for mount in host_config.get("Mounts") or []}
    volumes = {
        path: {}
        for path in _keys_not_in(current.get("Volumes"), defaults.get("Volumes")) or {}
        if path not in mounted
    }
    if volumes:
        config["Volumes"] = volumes
    config["HostConfig"] = host_config

    networks = (info.get("NetworkSettings") or {}).get("Networks") or {}
    mode = host_config.get("NetworkMode") or "default"
    endpoints = {
        name: _endpoint(settings or {}, container_id, name not in _BUILTIN_NETWORKS)
        for name, settings in networks.items()
    }
    primary = mode if mode in endpoints else next(iter(endpoints), None)
    if primary and not mode.startswith("container:"):
        # Engines before API 1.44 accept one network at create; the rest are connected after.
        config["NetworkingConfig"] = {"EndpointsConfig": {primary: endpoints.pop(primary)}}
    else:
        endpoints = {}
    return CreationSpec(
        name=(info.get("Name") or "").lstrip("/"), config=config, extra_networks=endpoints
    )
