"""Stream benchmark (issue 6): N concurrent `/api/stream` clients on ONE daphne web process.

    make bench                       # 5,000 streams, embedded default (Unix-socket transport)
    python -m bench.stream --streams 2000 --redis redis://127.0.0.1:6379/0

What it does, all on loopback:
1. Starts one daphne web process (a fresh DATA_DIR, migrated) and measures its RSS once warm.
2. This process is the load client (asyncio protocols, no HTTP library): it opens N streams of
   one organisation and holds them.
3. A separate publisher process calls `core.stream.publish.publish()` a few times; each event
   carries its publish time, and every client notes when the event reached it.
4. Prints: streams held, p50/p99 delivery latency (publish -> each client; median over the
   rounds), and RSS growth of the web process per open stream.

The open-file limit is raised to the hard limit with resource.setrlimit in this process before
daphne is started (it inherits it): N streams need N sockets on each side, and the usual
default of 1024 would cap the run. Everything stops by itself (bounded by --deadline).
"""

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ORG_ID = 1
SENT_AT = re.compile(rb'"sentAt":([0-9.]+)')

TARGET_STREAMS = 5000
TARGET_P99_SECONDS = 1.0
TARGET_BYTES_PER_STREAM = 40 * 1024


def raise_open_file_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def environment(data_dir: Path, redis_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env.update(
        DATA_DIR=str(data_dir),
        JWT_SECRET=secrets.token_hex(32),
        API_KEY=secrets.token_hex(16),
        DJANGO_SETTINGS_MODULE="cockpit.settings",
        MAX_SSE_CLIENTS="100000",
        SSE_SNAPSHOT_SECONDS="3600",  # no snapshots in this run; measure published events only
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def mint_token(env: dict) -> str:
    code = (
        "import django; django.setup(); from datetime import timedelta;"
        "from rest_framework_simplejwt.tokens import AccessToken;"
        "from core.accounts.principal import shared_key_principal;"
        "from core.accounts.tokens import issue_access_token;"
        f"t = AccessToken(issue_access_token(shared_key_principal({ORG_ID})));"
        "t.set_exp(lifetime=timedelta(hours=1)); print(t)"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


PUBLISHER = """
import django, sys, time
django.setup()
from core.stream.publish import publish
rounds, gap = int(sys.argv[1]), float(sys.argv[2])
for n in range(rounds):
    time.sleep(gap)
    publish(ORG, "bench", {"round": n, "sentAt": time.time()})
print("published", rounds, flush=True)
"""


class StreamClient(asyncio.Protocol):
    def __init__(self, request: bytes, bench: "Bench"):
        self.request = request
        self.bench = bench
        self.opened = asyncio.get_running_loop().create_future()
        self.buffer = b""
        self.live = False
        self.closed = False
        self.latencies: list[float] = []

    def connection_made(self, transport):
        transport.write(self.request)

    def data_received(self, data):
        now = time.time()
        if not self.live:
            self.buffer += data
            if b"\r\n\r\n" in self.buffer:
                self.live = self.buffer.startswith(b"HTTP/1.1 200")
                if not self.opened.done():
                    self.opened.set_result(self.live)
                self.buffer = b""
            return
        match = SENT_AT.search(data)
        if match:
            self.bench.record(now - float(match.group(1)))

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_result(False)


class Bench:
    def __init__(self):
        self.round_latencies: list[list[float]] = [[]]

    def record(self, seconds: float) -> None:
        self.round_latencies[-1].append(seconds)


async def open_streams(port: int, token: str, count: int, bench: Bench) -> list[StreamClient]:
    loop = asyncio.get_running_loop()
    request = (
        f"GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    gate = asyncio.Semaphore(64)  # stay under daphne's listen backlog

    async def one() -> StreamClient | None:
        async with gate:
            try:
                _, client = await loop.create_connection(
                    lambda: StreamClient(request, bench), "127.0.0.1", port
                )
                return client if await asyncio.wait_for(client.opened, 30) else None
            except (OSError, TimeoutError):
                return None

    return [c for c in await asyncio.gather(*(one() for _ in range(count))) if c is not None]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(args) -> dict:
    limit = raise_open_file_limit(args.streams + 512)
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
        env = environment(Path(tmp) / "data", args.redis)
        Path(env["DATA_DIR"]).mkdir(parents=True)
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        token = mint_token(env)
        port = free_port()
        web = subprocess.Popen(
            [PYTHON, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port),
             "cockpit.asgi:application"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            return await measure(args, env, web, port, token, limit)
        finally:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)


async def measure(args, env, web, port, token, limit) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        await asyncio.sleep(0.2)
    bench = Bench()
    warm = await open_streams(port, token, 50, bench)  # imports, hub tasks, first allocations
    await asyncio.sleep(1)
    rss_before = rss_bytes(web.pid)
    started = time.monotonic()
    clients = await open_streams(port, token, args.streams, bench)
    open_seconds = time.monotonic() - started
    await asyncio.sleep(2)
    rss_after = rss_bytes(web.pid)

    publisher = await asyncio.create_subprocess_exec(
        PYTHON, "-c", PUBLISHER.replace("ORG", str(ORG_ID)), str(args.rounds), str(args.gap),
        cwd=ROOT, env=env,
    )  # fmt: skip
    rounds = []
    for _ in range(args.rounds):
        bench.round_latencies.append([])
        wait_until = time.monotonic() + args.gap + 5
        expected = len(clients) + len(warm)
        while len(bench.round_latencies[-1]) < expected and time.monotonic() < wait_until:
            await asyncio.sleep(0.05)
        rounds.append(bench.round_latencies[-1])
    await publisher.wait()
    held = sum(1 for client in clients if not client.closed)
    delivered = [len(r) for r in rounds]
    p50s = [percentile(r, 0.50) for r in rounds if r]
    p99s = [percentile(r, 0.99) for r in rounds if r]
    return {
        "open_file_limit": limit,
        "streams_requested": args.streams,
        "streams_held": held,
        "seconds_to_open": round(open_seconds, 2),
        "deliveries_per_round": delivered,
        "p50_ms_per_round": [round(v * 1000, 1) for v in p50s],
        "p99_ms_per_round": [round(v * 1000, 1) for v in p99s],
        "p50_ms": round(statistics.median(p50s) * 1000, 1) if p50s else None,
        "p99_ms": round(statistics.median(p99s) * 1000, 1) if p99s else None,
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "bytes_per_stream": round((rss_after - rss_before) / max(1, len(clients))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=TARGET_STREAMS)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gap", type=float, default=1.5, help="seconds between publishes")
    parser.add_argument("--redis", default=None, help="use the Redis transport at this URL")
    parser.add_argument("--deadline", type=float, default=300, help="give up after (seconds)")
    args = parser.parse_args()
    result = asyncio.run(asyncio.wait_for(run(args), args.deadline))
    print(json.dumps(result, indent=2))
    kb = result["bytes_per_stream"] / 1024
    print(
        f"\nstreams held: {result['streams_held']} / {args.streams} "
        f"(target {TARGET_STREAMS})\n"
        f"delivery latency to all: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"(target p99 <= {TARGET_P99_SECONDS * 1000:.0f} ms)\n"
        f"memory per open stream: {kb:.1f} KB (target <= {TARGET_BYTES_PER_STREAM // 1024} KB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
