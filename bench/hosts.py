"""The organisation-wide overview over 50 agent hosts, from cached samples (issue 7).

    DOCKER_HOST=unix:///var/run/docker.sock .venv/bin/python -m bench.hosts [--hosts 50] [-n 300]

Builds a throwaway control plane (file SQLite, a private Redis unless TEST_REDIS_URL is given),
an organisation with N agent hosts, each enrolled for real; ONE sample of the engine at
DOCKER_HOST is collected the way an agent collects it and shipped to every host through the
control plane's real store path (authentication, snapshot, metrics history, transitions, alert
evaluation). Then ONE daphne web process answers `GET /api/hosts/overview` sequentially over a
kept-alive connection; the bench prints p50/p90/p99 next to the same server's do-nothing
ceiling (`/bench/ceiling`, bench/urls.py) and the authenticated one. Target: p50 <= 100 ms.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(connection, path: str, token: str, n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for _ in range(n):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, body[:300]
    return times


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {statistics.median(ordered):6.1f} ms  p90 {p(0.9):6.1f} ms  p99 {p(0.99):6.1f} ms"


def wait_for_port(port: int, process, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("web process exited")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError("web never listened")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("-n", type=int, default=300, help="requests per route (default 300)")
    args = parser.parse_args()

    from tools.testenv import free_port, private_redis

    with ExitStack() as stack:
        redis_url = stack.enter_context(private_redis())
        if not redis_url:
            print("no Redis: set TEST_REDIS_URL or install redis-server", file=sys.stderr)
            return 2
        data_dir = tempfile.mkdtemp(prefix="cockpit-bench-hosts-")
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "REDIS_URL": redis_url,
            "AGENT_BROKER_URL": redis_url,
            "JWT_SECRET": "bench-hosts-secret-0123456789-abcdefghijklmnopqrstu",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "RATE_LIMIT_MAX": "100000000",
        }
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        token = setup(args.hosts)
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "cockpit.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stack.callback(web.wait, 30)
        stack.callback(web.terminate)
        wait_for_port(port, web)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "GET", "/api/hosts/overview", headers={"Authorization": f"Bearer {token}"}
        )
        overview = json.loads(connection.getresponse().read())
        totals = overview["totals"]
        print(
            f"{totals['hosts']} hosts, {totals['sampled']} sampled, "
            f"{totals['containers']['total']} containers in the overview"
        )
        warm = max(20, args.n // 10)
        for path in ("/bench/ceiling?bytes=2000", "/bench/ceiling-auth?bytes=2000",
                     "/api/hosts/overview"):  # fmt: skip
            timed(connection, path, token, warm)
        results = {
            "ceiling (plain Django view)": timed(
                connection, "/bench/ceiling?bytes=2000", token, args.n
            ),
            "ceiling (DRF + bearer auth)": timed(
                connection, "/bench/ceiling-auth?bytes=2000", token, args.n
            ),
            f"GET /api/hosts/overview ({args.hosts} hosts)": timed(
                connection, "/api/hosts/overview", token, args.n
            ),
        }
        for name, times in results.items():
            print(f"{name:42s} {figures(times)}")
        p50 = statistics.median(results[f"GET /api/hosts/overview ({args.hosts} hosts)"])
        verdict = "meets" if p50 <= 100 else "MISSES"
        print(f"overview p50 {p50:.1f} ms {verdict} the 100 ms target")
        return 0 if p50 <= 100 else 1


def setup(host_count: int) -> str:
    """An organisation with `host_count` enrolled agent hosts, each with a snapshot shipped
    through the real store path; returns a viewer's access token."""
    import django

    django.setup()
    from core.accounts.models import Membership, Organization, User
    from core.accounts.principal import user_principal
    from core.accounts.tokens import issue_access_token
    from core.agents import enrollment
    from core.agents.calls import local_host
    from core.hosts.models import DockerHost, HostKind
    from core.sampling import shipped

    org = Organization.objects.create(name="Fleet", slug="fleet")
    os.environ.setdefault("DOCKER_HOST", "unix:///var/run/docker.sock")
    DockerHost.objects.create(
        org=org, name="local", slug="local", is_default=True, base_url=os.environ["DOCKER_HOST"]
    )
    user = User.objects.create_user(email="viewer@fleet.test", password=None)
    membership = Membership.objects.create(user=user, org=org, role="viewer")
    started = time.perf_counter()
    payload = shipped.collect_here(local_host("bench"), {})  # what an agent ships
    collected = time.perf_counter()
    for index in range(host_count):
        host = DockerHost.objects.create(
            org=org, name=f"edge-{index:02d}", slug=f"edge-{index:02d}", kind=HostKind.AGENT
        )
        token, _ = enrollment.issue_token(host)
        _, credentials = enrollment.enroll(token)
        assert shipped.store(host.pk, credentials["secret"], payload) == "stored"
    stored = time.perf_counter()
    shipping_ms = (stored - collected) * 1000
    print(
        f"one agent sample: {len(payload['containers'] or [])} containers collected in "
        f"{(collected - started) * 1000:.0f} ms; shipped to {host_count} hosts in "
        f"{shipping_ms:.0f} ms ({shipping_ms / host_count:.1f} ms each)"
    )
    return issue_access_token(user_principal(user, membership))


if __name__ == "__main__":
    sys.exit(main())
