"""Make the real services the test suite needs available, run a command, clean up.

    python -m tools.testenv -- pytest ...

- Docker: the engine at DOCKER_HOST (or the default socket) when it answers; otherwise, as root
  with `dockerd` installed (or installable from Debian's `docker.io`), a private engine with its
  own data root, exec root, pidfile, socket and bridge settings, stopped at the end. A second
  engine must not touch the shared `docker0` bridge, so it gets `--bridge none` and its own
  address pool, and it is only started when no engine answers.
- The offline test image (fixtures/test_image.py) is imported into that engine.
- Redis: TEST_REDIS_URL when given, else a private `redis-server` on a free loopback port.

The command sees DOCKER_HOST and TEST_REDIS_URL. In CI (CI=true) COCKPIT_REQUIRE_SERVICES=1 is
set, and the suite then fails instead of skipping a test that needs a missing service.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.test_image import ensure_test_image  # noqa: E402

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
PRIVATE_ADDRESS_POOL = "base=10.213.0.0/16,size=24"
APT_PACKAGES = {"dockerd": "docker.io", "redis-server": "redis-server"}


def say(message: str) -> None:
    print(f"[testenv] {message}", file=sys.stderr, flush=True)


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: list[str]) -> None:
    if not packages or not is_root() or not shutil.which("apt-get"):
        return
    say(f"installing {' '.join(packages)} with apt-get")
    quiet = {"DEBIAN_FRONTEND": "noninteractive", **os.environ}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=False, env=quiet)


def ensure_system_packages() -> None:
    missing = [pkg for tool, pkg in APT_PACKAGES.items() if not shutil.which(tool)]
    if not Path("/bin/busybox").exists() and not shutil.which("busybox"):
        missing.append("busybox-static")
    apt_install(missing)


def engine_answers(base_url: str) -> bool:
    try:
        client = docker.DockerClient(base_url=base_url, version="auto", timeout=5)
    except docker.errors.DockerException:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop_process(process: subprocess.Popen, name: str, grace: float = 20) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop in {grace:.0f} s; killing it")
        process.kill()
        process.wait()


@contextmanager
def private_dockerd(address_pool: str = PRIVATE_ADDRESS_POOL, extra_args: tuple[str, ...] = ()):
    """A private engine; engines running side by side each need their own `address_pool`
    (e.g. "base=10.214.0.0/16,size=24"). `extra_args` go to dockerd as they are (e.g. a TLS
    listener); it is still probed on its own unix socket."""
    workdir = Path(tempfile.mkdtemp(prefix="ck-dockerd-"))
    sock = workdir / "docker.sock"
    base_url = f"unix://{sock}"
    log = open(workdir / "dockerd.log", "w")  # noqa: SIM115  (kept open for the daemon's life)
    command = [
        "dockerd",
        "--data-root", str(workdir / "data"),
        "--exec-root", str(workdir / "exec"),
        "--pidfile", str(workdir / "docker.pid"),
        "--host", base_url,
        "--bridge", "none",
        "--iptables=false",
        "--ip6tables=false",
        "--default-address-pool", address_pool,
        *extra_args,
    ]  # fmt: skip
    say(f"starting a private dockerd in {workdir}")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: process.poll() is None and engine_answers(base_url), 60, "dockerd")
        yield base_url
    except RuntimeError:
        log.flush()
        say(
            "dockerd failed to start; its log ends with:\n"
            + (workdir / "dockerd.log").read_text()[-3000:]
        )
        raise
    finally:
        stop_process(process, "dockerd")
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def docker_engine():
    candidate = os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
    if engine_answers(candidate):
        yield candidate
        return
    if is_root() and shutil.which("dockerd"):
        say(f"no Docker engine answers at {candidate}")
        with private_dockerd() as base_url:
            yield base_url
        return
    say(f"no Docker engine at {candidate} and no way to start one: Docker tests will be skipped")
    yield None


@contextmanager
def private_redis():
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    if not shutil.which("redis-server"):
        say("redis-server not installed: Redis tests will be skipped")
        yield None
        return
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="ck-redis-")
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
               "--appendonly", "no", "--dir", workdir]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def answers():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_for(answers, 20, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process, "redis-server")
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__)
        return 2
    ensure_system_packages()
    env = dict(os.environ)
    if env.get("CI"):
        env["COCKPIT_REQUIRE_SERVICES"] = "1"
    with ExitStack() as stack:
        engine = stack.enter_context(docker_engine())
        if engine:
            env["DOCKER_HOST"] = engine
            client = docker.DockerClient(base_url=engine, version="auto", timeout=60)
            info = client.version()
            say(f"Docker engine {info['Version']} (API {info['ApiVersion']}) at {engine}")
            say(f"test image: {ensure_test_image(client)}")
            client.close()
        redis_url = stack.enter_context(private_redis())
        if redis_url:
            env["TEST_REDIS_URL"] = redis_url
            say(f"Redis at {redis_url}")
        if env.get("DATABASE_URL"):
            say("database: " + env["DATABASE_URL"].split("@")[-1])
        completed = subprocess.run(argv, env=env, check=False)
        return completed.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
