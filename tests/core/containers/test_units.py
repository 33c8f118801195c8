"""Pure parts of the container surface: input parsing, log decoding, recreate config."""

import pytest
from django.http import QueryDict

from core.containers import exec_policy, params
from core.docker.containers import health_of, stats_summary
from core.docker.logs import LogDecoder, clean_line
from core.docker.recreate_config import creation_spec


def _frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def test_multiplexed_frames_decode_even_when_split_anywhere():
    data = _frame(1, b"2026-01-01T00:00:00.1Z out\n") + _frame(2, b"2026-01-01T00:00:00.2Z er")
    data += _frame(2, b"r  \n") + _frame(1, b"2026-01-01T00:00:00.3Z \n")
    for cut in range(len(data)):
        decoder = LogDecoder(tty=False)
        lines = decoder.feed(data[:cut]) + decoder.feed(data[cut:]) + decoder.flush()
        assert lines == ["2026-01-01T00:00:00.1Z out", "2026-01-01T00:00:00.2Z err"], cut


def test_tty_bytes_decode_by_line():
    decoder = LogDecoder(tty=True)
    assert decoder.feed(b"a\r\nb") == ["a"]
    assert decoder.feed(b"c\r\n\r\n") == ["bc"]
    assert decoder.feed(b"tail") == []
    assert decoder.flush() == ["tail"]


def test_clean_line():
    assert clean_line("x  \t") == "x"
    assert clean_line("   ") is None
    assert clean_line("2026-01-01T00:00:00.123456789Z") is None
    assert clean_line("2026-01-01T00:00:00.123456789Z hi ") == "2026-01-01T00:00:00.123456789Z hi"


def test_health_is_read_unhealthy_first():
    assert health_of({"Status": "Up 3 minutes (unhealthy)"}) == "unhealthy"
    assert health_of({"Status": "Up 3 minutes (healthy)"}) == "healthy"
    assert health_of({"Status": "Up 3 seconds (health: starting)"}) is None
    assert health_of({"Status": "Up 3 minutes"}) is None
    assert health_of({"Status": "Up", "Health": {"Status": "unhealthy"}}) == "unhealthy"


def test_stats_summary():
    raw = {
        "read": "2026-01-01T00:00:00Z",
        "cpu_stats": {
            "cpu_usage": {"total_usage": 300},
            "system_cpu_usage": 2000,
            "online_cpus": 2,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
        "memory_stats": {"usage": 50, "limit": 200},
        "networks": {
            "eth0": {"rx_bytes": 1, "tx_bytes": 2},
            "eth1": {"rx_bytes": 3, "tx_bytes": 4},
        },
        "pids_stats": {"current": 7},
    }
    assert stats_summary(raw) == {
        "cpuPercent": 40.0, "memoryUsage": 50, "memoryLimit": 200, "memoryPercent": 25.0,
        "networkRx": 4, "networkTx": 6, "pids": 7, "read": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    assert stats_summary({})["cpuPercent"] == 0


def test_since_parsing():
    assert params.since_seconds("1700000000") == 1700000000
    assert params.since_seconds("1700000000.5") == 1700000000.5
    assert params.since_seconds("10m", now=1000) == 400
    assert params.since_seconds("1h30m", now=10000) == 10000 - 5400
    assert params.since_seconds("1970-01-01T00:01:00Z") == 60
    assert params.since_seconds(None) is None
    for bad in ("NaN", "inf", "-5", "10 minutes", "2026-01-01T00:00:00"):
        with pytest.raises(params.BadRequest):
            params.since_seconds(bad)


def test_log_query_from_the_query_string():
    query = params.log_query(QueryDict("tail=5000&stdout=false&stderr=anything"))
    assert (query.tail, query.stdout, query.stderr) == (1000, False, True)
    assert params.log_query(QueryDict("")).tail == 100


def test_exec_policy(settings):
    assert exec_policy.argv_for(" df -h ") == ["df", "-h"]
    assert exec_policy.argv_for("cat /etc/os-release") == ["cat", "/etc/os-release"]
    settings.EXEC_EXTRA_COMMANDS = ["ls -l /tmp", "  "]
    assert exec_policy.argv_for("ls -l /tmp") == ["ls", "-l", "/tmp"]
    settings.EXEC_EXTRA_COMMANDS = ["echo $HOME"]  # a listed command still may not use `$`
    with pytest.raises(exec_policy.PermissionDenied):
        exec_policy.argv_for("echo $HOME")


def _inspect(**overrides):
    info = {
        "Id": "a" * 64,
        "Name": "/web",
        "Image": "sha256:" + "b" * 64,
        "Config": {
            "Hostname": "a" * 12,
            "Image": "shop/web:2",
            "Env": ["PATH=/usr/bin", "MODE=prod"],
            "Cmd": ["serve"],
            "Entrypoint": None,
            "Labels": {"from.image": "1", "app": "shop"},
            "ExposedPorts": {"80/tcp": {}},
            "Volumes": {"/image-volume": {}},
            "WorkingDir": "/srv",
        },
        "HostConfig": {
            "NetworkMode": "front",
            "Binds": ["/srv/data:/data:ro"],
            "RestartPolicy": {"Name": "always", "MaximumRetryCount": 0},
            "Links": ["/db:/web/database"],
        },
        "Mounts": [
            {"Type": "bind", "Source": "/srv/data", "Destination": "/data", "RW": False},
            {"Type": "volume", "Name": "anon1", "Destination": "/image-volume", "RW": True},
        ],
        "NetworkSettings": {
            "Networks": {
                "front": {
                    "Aliases": ["aaaaaaaaaaaa", "web"],
                    "IPAMConfig": {"IPv4Address": "10.1.0.5"},
                    "IPAddress": "10.1.0.5",
                    "NetworkID": "n1",
                },
                "back": {"Aliases": ["api"], "NetworkID": "n2"},
            }
        },
    }
    info.update(overrides)
    return info


IMAGE = {
    "Config": {
        "Env": ["PATH=/usr/bin"],
        "Cmd": ["serve"],
        "Labels": {"from.image": "1"},
        "Volumes": {"/image-volume": {}},
        "WorkingDir": "/srv",
    }
}


def test_creation_spec_keeps_what_the_container_set_and_drops_image_defaults():
    spec = creation_spec(_inspect(), IMAGE)
    config = spec.config
    assert spec.name == "web"
    assert config["Image"] == "shop/web:2"
    assert config["Env"] == ["MODE=prod"]
    assert config["Labels"] == {"app": "shop"}
    assert "Cmd" not in config
    assert "WorkingDir" not in config
    assert "Hostname" not in config
    assert config["ExposedPorts"] == {"80/tcp": {}}
    assert "Volumes" not in config  # re-mounted by name instead
    host_config = config["HostConfig"]
    assert host_config["RestartPolicy"]["Name"] == "always"
    assert host_config["Links"] == ["db:database"]
    assert {"Type": "volume", "Source": "anon1", "Target": "/image-volume", "ReadOnly": False} in (
        host_config["Mounts"]
    )
    assert not any(m.get("Target") == "/data" for m in host_config["Mounts"])
    assert config["NetworkingConfig"] == {
        "EndpointsConfig": {
            "front": {"IPAMConfig": {"IPv4Address": "10.1.0.5"}, "Aliases": ["web"]}
        }
    }
    assert spec.extra_networks == {"back": {"Aliases": ["api"]}}


def test_creation_spec_without_the_old_image_carries_everything():
    config = creation_spec(_inspect(), None).config
    assert config["Env"] == ["PATH=/usr/bin", "MODE=prod"]
    assert config["Cmd"] == ["serve"]
    assert config["WorkingDir"] == "/srv"


def test_an_explicit_entrypoint_keeps_its_cmd():
    info = _inspect()
    info["Config"]["Entrypoint"] = ["/bin/custom"]
    config = creation_spec(info, IMAGE).config
    assert config["Entrypoint"] == ["/bin/custom"]
    assert config["Cmd"] == ["serve"]


def test_container_network_mode_makes_no_endpoints():
    info = _inspect()
    info["HostConfig"]["NetworkMode"] = "container:" + "c" * 64
    info["NetworkSettings"]["Networks"] = {}
    spec = creation_spec(info, IMAGE)
    assert "NetworkingConfig" not in spec.config
    assert spec.extra_networks == {}
