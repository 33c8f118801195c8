"""API benchmark (issue 4): hot reads and container actions on ONE daphne web process.

    DOCKER_HOST=unix:///var/run/docker.sock python -m bench.api     # what `make bench` runs
    python -m bench.api --containers 100 --duration 10 --connections 20 [--redis redis://...]

All on loopback, every figure from this one run:
1. A fresh, migrated DATA_DIR; an organisation whose default host is DOCKER_HOST, an admin
   user and an access token for it. Rate limits are raised out of the way (the limiter still
   runs on every request, it just never refuses).
2. N running containers `ckb-<run>-<i>` of the offline test image (a tenth of them in one
   compose project), removed at the end whatever happens.
3. One daphne web process (bench/settings.py: production settings plus the ceiling views).
4. A load client in a separate process (`wrk` when installed, else bench/load.py) at C
   concurrent connections, D seconds per endpoint in interleaved slices (medians reported),
   on: the ceiling (a plain Django view answering a fixed body the size of the container
   list, same middleware), the same body behind DRF with bearer authentication,
   `GET /api/containers`, `GET /api/overview`. Then the raw engine's own list call at the
   same concurrency (what a listing per request would cost).
5. Start and stop of one container, through the API and directly on the engine, alternated;
   the medians and the overhead.
6. The web process's RSS idle (warm) and its peak under load.
Targets: containers >= 80 % of the ceiling with p99 <= 100 ms; overview >= 80 %; start/stop
overhead <= 20 ms.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

from bench.stream import free_port, rss_bytes

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

TARGET_RATIO = 0.80
TARGET_P99_MS = 100.0
TARGET_OVERHEAD_MS = 20.0

SETUP = """
import django, sys
django.setup()
from datetime import timedelta
from rest_framework_simplejwt.tokens import AccessToken
from core.accounts.models import Membership, Organization, Role, User
from core.accounts.principal import user_principal
from core.accounts.tokens import issue_access_token
from core.hosts.models import DockerHost
org = Organization.objects.create(name="Bench", slug="bench")
DockerHost.objects.create(org=org, name="local", slug="local", base_url=sys.argv[1],
                          is_default=True)
user = User.objects.create_user(email="bench@bench.test", password="bench-password-123")
membership = Membership.objects.create(user=user, org=org, role=Role.ADMIN)
token = AccessToken(issue_access_token(user_principal(user, membership)))
token.set_exp(lifetime=timedelta(hours=2))
print(token)
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class PeakRss:
    """Samples a process's RSS in the background; `.peak` is the highest seen."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- load clients -----------------------------------------------------------------------------

_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def run_wrk(url: str, token: str, connections: int, seconds: float) -> dict:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
               "-H", f"Authorization: Bearer {token}", url]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1)),
        "p50_ms": _wrk_ms(latency["50"]),
        "p99_ms": _wrk_ms(latency["99"]),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "failed": int(failed.group(1)) if failed else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def run_python_client(url: str, token: str, connections: int, seconds: float) -> dict:
    command = [PYTHON, "-m", "bench.load", url, "-c", str(connections), "-d", str(seconds),
               "-H", f"Authorization: Bearer {token}"]  # fmt: skip
    output = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    ok = sum(count for code, count in result["statuses"].items() if code.startswith(("2", "3")))
    result["failed"] = result["requests"] - ok
    return result


def combine(runs: list[dict]) -> dict:
    """Medians over the slices of one endpoint (failures summed)."""
    return {
        "rps": round(statistics.median(run["rps"] for run in runs), 1),
        "p50_ms": round(statistics.median(run["p50_ms"] for run in runs), 2),
        "p99_ms": round(statistics.median(run["p99_ms"] for run in runs), 2),
        "failed": sum(run["failed"] for run in runs),
        "rps_per_slice": [run["rps"] for run in runs],
    }


# --- the engine ---------------------------------------------------------------------------------


def create_containers(client, image: str, prefix: str, count: int) -> list[str]:
    project = {"com.docker.compose.project": f"{prefix}-stack",
               "com.docker.compose.service": "app"}  # fmt: skip

    def one(index: int) -> str:
        labels = {"ckb": prefix, **(project if index % 10 == 0 else {})}
        created = client.api.create_container(
            image, ["sleep", "3600"], name=f"{prefix}-{index}", labels=labels
        )
        client.api.start(created["Id"])
        return created["Id"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def remove_containers(client, prefix: str) -> None:
    leftovers = client.api.containers(all=True, filters={"label": f"ckb={prefix}"})
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda c: client.api.remove_container(c["Id"], force=True), leftovers))


def engine_list_baseline(client, connections: int, seconds: float) -> dict:
    """The engine's own list call (all, with sizes) at the same concurrency."""
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop_at:
            started = time.monotonic()
            client.api.containers(all=True, size=True)
            latencies.append(time.monotonic() - started)

    started = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        for future in [pool.submit(worker) for _ in range(connections)]:
            future.result()
    elapsed = time.monotonic() - started
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def action_latencies(client, port: int, token: str, container_id: str, rounds: int) -> dict:
    """Median stop and start latency through the API vs directly on the engine (alternated)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def api(verb: str) -> float:
        query = "?t=0" if verb == "stop" else ""
        started = time.monotonic()
        connection.request("POST", f"/api/containers/{container_id}/{verb}{query}", b"{}", headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.monotonic() - started
        if response.status != 200:
            raise RuntimeError(f"API {verb} answered {response.status}")
        return elapsed

    def direct(verb: str) -> float:
        started = time.monotonic()
        if verb == "stop":
            client.api.stop(container_id, timeout=0)
        else:
            client.api.start(container_id)
        return time.monotonic() - started

    times: dict[str, list[float]] = {"api stop": [], "api start": [], "engine stop": [],
                                     "engine start": []}  # fmt: skip
    api("stop")  # warm: first call imports and opens connections
    api("start")
    for _ in range(rounds):
        times["api stop"].append(api("stop"))
        times["api start"].append(api("start"))
        times["engine stop"].append(direct("stop"))
        times["engine start"].append(direct("start"))
    connection.close()
    return {name: round(statistics.median(values) * 1000, 2) for name, values in times.items()}


# --- the run ------------------------------------------------------------------------------------


def environment(data_dir: Path, docker_host: str, redis_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env.update(
        DATA_DIR=str(data_dir),
        JWT_SECRET=uuid.uuid4().hex * 2,
        API_KEY=uuid.uuid4().hex,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DOCKER_HOST=docker_host,
        RATE_LIMIT_MAX="1000000000",
        RATE_LIMIT_STRICT_MAX="1000000000",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("daphne did not start")


def get(port: int, path: str, token: str) -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def measure(args, client, env, token: str, container_ids: list[str]) -> dict:
    port = free_port()
    web = subprocess.Popen(
        [PYTHON, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port),
         "cockpit.asgi:application"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port)
        status, body = get(port, "/api/containers", token)
        if status != 200:
            raise RuntimeError(f"/api/containers answered {status}: {body[:200]!r}")
        size = len(body)
        listed = len(json.loads(body)["containers"])
        endpoints = {
            "ceiling": f"/bench/ceiling?bytes={size}",
            "ceiling (DRF + bearer auth)": f"/bench/ceiling-auth?bytes={size}",
            "GET /api/containers": "/api/containers",
            "GET /api/overview": "/api/overview",
        }
        for path in endpoints.values():  # warm: imports, watcher, connection pools
            for _ in range(20):
                status, _ = get(port, path, token)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
        time.sleep(2)
        rss_idle = rss_bytes(web.pid)
        load = run_wrk if shutil.which("wrk") and not args.python_client else run_python_client
        slices: dict[str, list[dict]] = {name: [] for name in endpoints}
        with PeakRss(web.pid) as peak:
            # Interleaved slices, so a burst of outside load (a shared machine) hits every
            # endpoint alike instead of whichever ran during it.
            for _ in range(args.slices):
                for name, path in endpoints.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    seconds = args.duration / args.slices
                    slices[name].append(load(url, token, args.connections, seconds))
        results = {name: combine(runs) for name, runs in slices.items()}
        baseline = engine_list_baseline(client, args.connections, min(args.duration, 5))
        actions = action_latencies(client, port, token, container_ids[-1], args.rounds)
        return {
            "client": load.__name__.removeprefix("run_"),
            "containers_listed": listed,
            "body_bytes": size,
            "results": results,
            "engine_list": baseline,
            "actions_ms": actions,
            "rss_idle_mb": round(rss_idle / 2**20, 1),
            "rss_peak_mb": round(peak.peak / 2**20, 1),
        }
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)


def run(args) -> dict:
    import docker

    from fixtures.test_image import ensure_test_image

    docker_host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    client = docker.DockerClient(base_url=docker_host, version="auto", timeout=60)
    image = ensure_test_image(client)
    prefix = f"ckb-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-api-") as tmp:
        env = environment(Path(tmp) / "data", docker_host, args.redis)
        Path(env["DATA_DIR"]).mkdir(parents=True)
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        setup = subprocess.run(
            [PYTHON, "-c", SETUP, docker_host], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if setup.returncode:
            raise RuntimeError(f"setup failed:\n{setup.stderr}")
        token = setup.stdout.strip().splitlines()[-1]
        try:
            ids = create_containers(client, image, prefix, args.containers)
            return measure(args, client, env, token, ids)
        finally:
            remove_containers(client, prefix)


def report(result: dict) -> str:
    ceiling = result["results"]["ceiling"]
    lines = [
        f"{result['containers_listed']} containers on the engine, "
        f"body {result['body_bytes']} bytes, load client: {result['client']}",
        "",
        f"{'endpoint':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs ceiling':>11} failed",
    ]
    for name, figures in result["results"].items():
        ratio = figures["rps"] / ceiling["rps"] if ceiling["rps"] else 0
        lines.append(
            f"{name:32} {figures['rps']:8.1f} {figures['p50_ms']:8.2f} {figures['p99_ms']:8.2f}"
            f" {ratio:10.0%} {figures['failed']:>6}"
        )
    engine = result["engine_list"]
    lines.append(
        f"{'raw engine list (all, sizes)':32} {engine['rps']:8.1f} {engine['p50_ms']:8.2f}"
        f" {engine['p99_ms']:8.2f}"
    )
    actions = result["actions_ms"]
    stop_overhead = actions["api stop"] - actions["engine stop"]
    start_overhead = actions["api start"] - actions["engine start"]
    lines += [
        "",
        f"stop  (median): API {actions['api stop']:.1f} ms, engine {actions['engine stop']:.1f}"
        f" ms, overhead {stop_overhead:+.1f} ms",
        f"start (median): API {actions['api start']:.1f} ms, engine "
        f"{actions['engine start']:.1f} ms, overhead {start_overhead:+.1f} ms",
        "",
        f"web process RSS: idle {result['rss_idle_mb']} MB, peak under load "
        f"{result['rss_peak_mb']} MB",
        "",
    ]
    containers = result["results"]["GET /api/containers"]
    overview = result["results"]["GET /api/overview"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines += [
        f"target containers >= {TARGET_RATIO:.0%} of ceiling, p99 <= {TARGET_P99_MS:.0f} ms: "
        + verdict(
            containers["rps"] >= TARGET_RATIO * ceiling["rps"]
            and containers["p99_ms"] <= TARGET_P99_MS
        ),
        f"target overview >= {TARGET_RATIO:.0%} of ceiling: "
        + verdict(overview["rps"] >= TARGET_RATIO * ceiling["rps"]),
        f"target start/stop overhead <= {TARGET_OVERHEAD_MS:.0f} ms: "
        + verdict(max(stop_overhead, start_overhead) <= TARGET_OVERHEAD_MS),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, default=100)
    parser.add_argument("--duration", type=float, default=12.0, help="seconds per endpoint")
    parser.add_argument("--slices", type=int, default=3, help="interleaved slices per endpoint")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15, help="start/stop pairs")
    parser.add_argument("--redis", default=None, help="run the web process with this REDIS_URL")
    parser.add_argument("--python-client", action="store_true", help="never use wrk")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, indent=2))
    print()
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
