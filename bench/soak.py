"""Soak (issue 8): mixed API load and 1,000 SSE clients against real web + worker + beat.

    make soak                        # ten minutes (SOAK_SECONDS=600), embedded default
    SOAK_SECONDS=120 make soak       # shorter
    REDIS_URL=redis://127.0.0.1:6379/0 make soak   # broker, cache and channel layer on Redis

What it does, all on loopback, stopping by itself:
1. A fresh DATA_DIR, migrated and set up; `manage.py serve` starts daphne, a Celery worker and
   beat (the ticks run: sampling, integrations, pruning) with the rate limits raised.
2. This process opens SSE_CLIENTS (1,000) streams of the default organisation and holds them,
   while LOAD_THREADS clients send a steady mix of reads (health, overview, containers, audit,
   alert rules, schedules, metrics history) and writes (API keys and alert rules created and
   deleted), about LOAD_RATE requests a second in all.
3. Every SAMPLE_SECONDS it samples the web process: RSS, open file descriptors, threads.
4. It closes the streams, waits, samples again and judges: no request errors, no stream lost,
   file descriptors and threads back to where they were before the streams opened (nothing
   leaked), and RSS flat after warm-up (the first quarter of the run).
Exit status 0 when every judgement passes.
"""

import asyncio
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.stream import Bench, StreamClient, free_port, raise_open_file_limit, rss_bytes

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
SSE_CLIENTS = int(os.environ.get("SOAK_SSE_CLIENTS", "1000"))
LOAD_THREADS = 4
LOAD_RATE = float(os.environ.get("SOAK_LOAD_RATE", "40"))  # requests per second, all threads
SAMPLE_SECONDS = 10.0
FD_SLACK, THREAD_SLACK, RSS_GROWTH_LIMIT = 25, 4, 0.10

READS = [
    "/api/health", "/api/overview", "/api/containers", "/api/audit?limit=20",
    "/api/alerts/rules", "/api/schedules", "/api/metrics/history?hours=1", "/api/edition",
]  # fmt: skip


def environment(data_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATA_DIR=str(data_dir),
        JWT_SECRET=os.urandom(32).hex(),
        API_KEY=os.urandom(16).hex(),
        DJANGO_SETTINGS_MODULE="cockpit.settings",
        HOST="127.0.0.1",
        PORT=str(port),
        RATE_LIMIT_MAX="100000000",
        RATE_LIMIT_STRICT_MAX="100000000",
        MAX_SSE_CLIENTS=str(SSE_CLIENTS * 2),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300,
                   capture_output=True)  # fmt: skip


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def web_pid(serve_pid: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children_of(serve_pid):
            try:
                if b"daphne" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return child
            except OSError:
                continue
        time.sleep(0.5)
    raise RuntimeError("no daphne child")


def sample(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    threads = int(
        next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1]
    )
    return {
        "t": round(time.monotonic(), 1),
        "rss_mb": round(rss_bytes(pid) / 2**20, 1),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": threads,
    }


def _socket_peers(pid: int) -> dict[str, str]:
    """{socket inode: "tcp to port N"} for the process's TCP sockets."""
    peers = {}
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                peers[fields[9]] = (
                    f"tcp to port {remote_port}" if remote_port else f"tcp listening {local_port}"
                )
    return peers


def fd_kinds(pid: int) -> dict[str, int]:
    """What the process's open descriptors are, counted: TCP sockets by remote port (a pool
    of Redis connections shows as one port), other sockets, files, pipes."""
    peers, kinds = _socket_peers(pid), Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                kinds[peers.get(target[8:-1], "other socket")] += 1
            elif target.startswith("/"):
                kinds["file"] += 1
            else:
                kinds[target.split(":")[0]] += 1
    return dict(kinds.most_common())


def request(conn, method: str, path: str, token: str, body: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def get_token(port: int, api_key: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/auth/token", body=json.dumps({"apiKey": api_key}),
                 headers={"Content-Type": "application/json"})  # fmt: skip
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    return body["accessToken"]


def wait_until_serving(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError("the server never answered")


class Load:
    """LOAD_THREADS keep-alive clients sending the mix at about LOAD_RATE requests a second."""

    def __init__(self, port: int, api_key: str, until: float):
        self.port, self.api_key, self.until = port, api_key, until
        self.token = get_token(port, api_key)
        self.token_at = time.monotonic()
        self.lock = threading.Lock()
        self.sent = 0
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True)
                        for n in range(LOAD_THREADS)]  # fmt: skip

    def current_token(self) -> str:
        with self.lock:
            if time.monotonic() - self.token_at > 300:  # tokens live 15 minutes
                self.token, self.token_at = get_token(self.port, self.api_key), time.monotonic()
            return self.token

    def note(self, ok: bool, what: str) -> None:
        with self.lock:
            self.sent += 1
            if not ok and len(self.errors) < 50:
                self.errors.append(what)
            elif not ok:
                self.errors.append("...")

    def step(self, conn, n: int, i: int) -> None:
        token = self.current_token()
        if i % 10 == 9:  # a write: create and delete an API key or an alert rule
            if i % 20 == 19:
                status, body = request(conn, "POST", "/api/keys", token, {"name": f"soak {n}-{i}"})
                self.note(status == 201, f"POST /api/keys {status}")
                if status == 201:
                    key_id = json.loads(body)["id"]
                    status, _ = request(conn, "DELETE", f"/api/keys/{key_id}", token)
                    self.note(status == 200, f"DELETE /api/keys {status}")
            else:
                rule = {"name": f"soak {n}-{i}", "metric": "cpu_percent", "operator": ">",
                        "threshold": 99.5}  # fmt: skip
                status, body = request(conn, "POST", "/api/alerts/rules", token, rule)
                self.note(status == 201, f"POST /api/alerts/rules {status}")
                if status == 201:
                    rule_id = json.loads(body)["id"]
                    status, _ = request(conn, "DELETE", f"/api/alerts/rules/{rule_id}", token)
                    self.note(status == 200, f"DELETE /api/alerts/rules {status}")
            return
        path = READS[(n + i) % len(READS)]
        status, _ = request(conn, "GET", path, token)
        self.note(status == 200, f"GET {path} {status}")

    def run(self, n: int) -> None:
        gap = LOAD_THREADS / LOAD_RATE
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        i = 0
        while time.monotonic() < self.until:
            started = time.monotonic()
            try:
                self.step(conn, n, i)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.note(False, f"{exc.__class__.__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            i += 1
            time.sleep(max(0.0, gap - (time.monotonic() - started)))
        conn.close()


class SoakStream(StreamClient):
    """bench.stream's client, keeping its transport so the soak can hang up."""

    transport = None

    def connection_made(self, transport):
        self.transport = transport
        super().connection_made(transport)


async def open_streams(port: int, token: str, count: int) -> list[StreamClient]:
    loop = asyncio.get_running_loop()
    raw = f"GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    gate = asyncio.Semaphore(64)
    bench = Bench()

    async def one():
        async with gate:
            try:
                _, client = await loop.create_connection(
                    lambda: SoakStream(raw.encode(), bench), "127.0.0.1", port
                )
                return client if await asyncio.wait_for(client.opened, 30) else None
            except (OSError, TimeoutError):
                return None

    return [c for c in await asyncio.gather(*(one() for _ in range(count))) if c is not None]


async def soak(port: int, api_key: str, pid: int) -> dict:
    samples = [{"phase": "idle", **sample(pid)}]
    fds_before = fd_kinds(pid)
    token = get_token(port, api_key)
    streams = await open_streams(port, token, SSE_CLIENTS)
    samples.append({"phase": "streams open", **sample(pid)})
    started = time.monotonic()
    load = Load(port, api_key, started + SOAK_SECONDS)
    for thread in load.threads:
        thread.start()
    while time.monotonic() - started < SOAK_SECONDS:
        await asyncio.sleep(min(SAMPLE_SECONDS, SOAK_SECONDS - (time.monotonic() - started)))
        samples.append({"phase": "load", "streams": sum(not s.closed for s in streams),
                        **sample(pid)})  # fmt: skip
    await asyncio.to_thread(lambda: [thread.join(60) for thread in load.threads])
    lost = sum(s.closed for s in streams)
    for client in streams:
        if client.transport is not None:
            client.transport.close()
    await asyncio.sleep(8)  # the server notices the departures
    samples.append({"phase": "streams closed", **sample(pid)})
    return {"streams": len(streams), "lost": lost, "load": load, "samples": samples,
            "seconds": time.monotonic() - started, "fds_before": fds_before,
            "fds_after": fd_kinds(pid)}  # fmt: skip


def judge(result: dict) -> list[str]:
    samples, load = result["samples"], result["load"]
    idle, after = samples[0], samples[-1]
    under_load = [s for s in samples if s["phase"] == "load"]
    warm = under_load[len(under_load) // 4] if under_load else samples[1]
    last = under_load[-1] if under_load else samples[1]
    growth = (last["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"]
    failures = []
    if result["streams"] < SSE_CLIENTS:
        failures.append(f"only {result['streams']} of {SSE_CLIENTS} streams opened")
    if result["lost"]:
        failures.append(f"{result['lost']} streams closed by the server during the soak")
    if load.errors:
        failures.append(f"{len(load.errors)} request errors, e.g. {load.errors[:5]}")
    if after["fds"] > idle["fds"] + FD_SLACK:
        failures.append(
            f"fds {idle['fds']} before the streams, {after['fds']} after: leaked "
            f"(before {result['fds_before']}, after {result['fds_after']})"
        )
    if after["threads"] > idle["threads"] + THREAD_SLACK:
        failures.append(f"threads {idle['threads']} before, {after['threads']} after: leaked")
    if growth > RSS_GROWTH_LIMIT:
        failures.append(
            f"RSS grew {growth:.1%} after warm-up ({warm['rss_mb']} -> {last['rss_mb']} MB)"
        )
    return failures


def server_log_tail(path: Path, limit: int = 8000) -> str:
    """The end of what web, worker and beat printed, without the access log's lines."""
    lines = path.read_text(errors="replace").splitlines()
    kept = [line for line in lines if " - - [" not in line]
    return "\n".join(kept)[-limit:]


def main() -> int:
    raise_open_file_limit(SSE_CLIENTS * 2 + 512)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cockpit-soak-") as data_dir:
        env = environment(Path(data_dir), port)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "cockpit_setup")
        log = open(Path(data_dir) / "serve.log", "wb")  # noqa: SIM115 (closed below)
        serve = subprocess.Popen([PYTHON, "manage.py", "serve"], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            wait_until_serving(port, serve)
            pid = web_pid(serve.pid)
            mode = "Redis" if env.get("REDIS_URL") else "embedded default"
            print(f"soak: {SOAK_SECONDS:.0f} s, {SSE_CLIENTS} streams, ~{LOAD_RATE:.0f} req/s, "
                  f"{mode}, web pid {pid}", flush=True)  # fmt: skip
            result = asyncio.run(soak(port, env["API_KEY"], pid))
        except BaseException:
            log.flush()
            print(server_log_tail(Path(data_dir) / "serve.log"))
            raise
        finally:
            os.killpg(serve.pid, signal.SIGTERM)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
            log.close()
        t0 = result["samples"][0]["t"]
        for s in result["samples"]:
            extra = f" streams={s['streams']}" if "streams" in s else ""
            print(f"  {s['t'] - t0:7.1f}s {s['phase']:15} rss={s['rss_mb']:7.1f} MB "
                  f"fds={s['fds']:5} threads={s['threads']:3}{extra}")  # fmt: skip
        load = result["load"]
        print(f"requests: {load.sent} in {result['seconds']:.0f} s "
              f"({load.sent / result['seconds']:.1f}/s), errors: {len(load.errors)}; "
              f"streams held: {result['streams']}, lost: {result['lost']}")  # fmt: skip
        print(f"descriptors before the streams: {result['fds_before']}")
        print(f"descriptors after the streams closed: {result['fds_after']}")
        failures = judge(result)
        for failure in failures:
            print(f"FAIL: {failure}")
        print("soak: ok" if not failures else "soak: FAILED", flush=True)
        if failures:
            print(server_log_tail(Path(data_dir) / "serve.log"))
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
