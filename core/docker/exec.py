"""Run one command inside a container, without a shell, and collect what it printed."""

from core.docker.host_calls import engine, on_host
from core.hosts.models import DockerHost

EXEC_TIMEOUT = 30.0  # seconds of silence before the engine call gives up
MAX_OUTPUT_BYTES = 1024 * 1024


@on_host("containers.exec")
def run_command(host: DockerHost, container_id: str, argv: list[str]) -> dict:
    """`{output, exitCode}`: stdout and stderr in the order written, right-trimmed."""
    with engine(host, timeout=EXEC_TIMEOUT) as client:
        api = client.api
        exec_id = api.exec_create(container_id, argv, stdout=True, stderr=True)["Id"]
        output = api.exec_start(exec_id, stream=False, demux=False) or b""
        exit_code = api.exec_inspect(exec_id).get("ExitCode")
    text = output[:MAX_OUTPUT_BYTES].decode(errors="replace").rstrip()
    return {"output": text, "exitCode": exit_code}
