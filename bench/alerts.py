"""One alert-evaluation pass over 10,000 enabled rules for one host sample (issue 5: ≤ 1 s).

    .venv/bin/python -m bench.alerts [--rules 10000] [--passes 5]

Migrates a fresh SQLite database in a temporary DATA_DIR, creates one organisation, one host
and N enabled rules spread over the five metrics, then times `core.alerts.evaluation.evaluate`
for consecutive samples (15 s apart) in three situations and prints the median of each:

- quiet: no rule breaches;
- steady: every rule breaches and has already fired (the everyday cost of a long incident);
- firing: every rule fires in this very sample (the worst case; reached only by lifting the
  per-organisation cap of 100 rules, as this benchmark does).

Fire notifications are queued as Celery tasks on commit; with no broker running here they are
published to the embedded filesystem queue, which is part of what the worst case pays.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta


def setup_django() -> None:
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="cockpit-bench-alerts-"))
    os.environ.setdefault("JWT_SECRET", "bench-alerts-secret-0123456789-abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from core.setup import ensure_runtime_dirs

    ensure_runtime_dirs()
    call_command("migrate", verbosity=0)


def make_rules(count: int):
    from core.accounts.models import Organization
    from core.alerts.models import AlertRule
    from core.hosts.models import DockerHost

    org = Organization.objects.create(name="Bench", slug="bench")
    host = DockerHost.objects.create(
        org=org, name="bench", slug="bench", base_url="unix:///nonexistent.sock", is_default=True
    )
    metrics = ["cpu_percent", "memory_percent", "disk_percent", "load_1", "container_stopped"]
    AlertRule.objects.bulk_create(
        AlertRule(
            org=org,
            name=f"rule {index}",
            metric=metrics[index % len(metrics)],
            operator=">",
            threshold=50,
            severity="warn",
        )
        for index in range(count)
    )
    return host


def timed_passes(host, values: dict, start: datetime, passes: int) -> tuple[list[float], datetime]:
    from core.alerts.evaluation import evaluate

    timings = []
    sampled_at = start
    for _ in range(passes):
        sampled_at += timedelta(seconds=15)
        began = time.perf_counter()
        evaluate(host, values, sampled_at)
        timings.append(time.perf_counter() - began)
    return timings, sampled_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()

    setup_django()
    from core.alerts.models import AlertEvent

    host = make_rules(args.rules)
    quiet = dict.fromkeys(
        ["cpu_percent", "memory_percent", "disk_percent", "load_1", "container_stopped"], 1.0
    )
    breaching = dict.fromkeys(quiet, 99.0)
    now = datetime.now(UTC)

    # The first pass ever over a host is the cold-start pass; take it out of the figures.
    _, now = timed_passes(host, quiet, now, 1)
    quiet_times, now = timed_passes(host, quiet, now, args.passes)
    firing_times, now = timed_passes(host, breaching, now, 1)
    steady_times, now = timed_passes(host, breaching, now, args.passes)
    fired = AlertEvent.objects.filter(kind="fired").count()

    print(f"alert evaluation, {args.rules} enabled rules, one host sample (target: ≤ 1 s)")
    print(f"  quiet   (no breach):          median {statistics.median(quiet_times):.3f} s")
    print(f"  steady  (all active, no fire): median {statistics.median(steady_times):.3f} s")
    print(f"  firing  (all fire at once):    {firing_times[0]:.3f} s ({fired} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
