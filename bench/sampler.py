"""One sampler pass over N running containers: parallel (as the sampler does) vs sequential.

    DOCKER_HOST=unix:///var/run/docker.sock .venv/bin/python -m bench.sampler [-n 8] [--blocking]

Creates N `ckt-smp-bench-*` containers from the offline test image, times the per-container part
of one sample (`core.sampling.collect.container_figures`: stats + inspects) both ways, prints the
two times and their ratio, and removes the containers. `--blocking` uses the engine's blocking
stats call (about 1 s each, what a sampler without one-shot stats pays) instead of one-shot
calls; keep N small with it (sequential then takes N seconds).
"""

import argparse
import os
import sys
import tempfile
import time
import uuid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=8, help="containers (default 8)")
    parser.add_argument("--blocking", action="store_true", help="blocking stats calls")
    args = parser.parse_args()

    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="cockpit-bench-sampler-"))
    os.environ.setdefault("JWT_SECRET", "bench-sampler-secret-0123456789-abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
    import django

    django.setup()
    import docker

    from core.docker import sampling as engine_calls
    from core.hosts.models import DockerHost
    from core.sampling import collect
    from fixtures.test_image import ensure_test_image

    base_url = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    client = docker.DockerClient(base_url=base_url, version="auto")
    image = ensure_test_image(client)
    host = DockerHost(pk=0, org_id=0, name="bench", slug="bench", base_url=base_url)
    if args.blocking:
        collect._stats_of = lambda h, cid: engine_calls.raw_stats(h, cid, one_shot=False)
    prefix = f"ckt-smp-bench-{uuid.uuid4().hex[:6]}"
    created = []
    try:
        for index in range(args.n):
            created.append(
                client.containers.run(
                    image,
                    ["sleep", "600"],
                    name=f"{prefix}-{index}",
                    detach=True,
                    labels={"ckt-smp": "bench"},
                )
            )
        summaries = [
            c for c in engine_calls.list_for_sampling(host) if c["name"].startswith(prefix)
        ]

        def one_pass() -> float:
            started = time.perf_counter()
            collect.container_figures(host, summaries, {})
            return time.perf_counter() - started

        one_pass()  # warm the connection pool
        parallel_seconds = one_pass()
        threaded = collect.parallel
        collect.parallel = lambda call, items: [call(item) for item in items]
        try:
            sequential_seconds = one_pass()
        finally:
            collect.parallel = threaded
        mode = "blocking" if args.blocking else "one-shot"
        print(f"{args.n} containers, {mode} stats")
        print(f"  parallel   {parallel_seconds * 1000:8.1f} ms")
        print(f"  sequential {sequential_seconds * 1000:8.1f} ms")
        print(f"  ratio      {sequential_seconds / parallel_seconds:8.1f}x")
    finally:
        for container in created:
            container.remove(force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
