"""Container state transitions and crash loops (spec §6.5), as pure functions over what the
previous sample left (`Watch` per container id) and what this sample sees.

- First sighting of a container: no event. A container missing from the list is forgotten.
- A state change prev → current is always reported (SSE `alert`, webhook
  `container.state_change`). It is a "down" — Container Down push and `container.down` webhook —
  when prev is `running`, current is not, maintenance is off, and the container had no live
  crash-loop alert as of the previous sample.
- Restart counts (read only for the containers `needs_inspect` picks): the first count is the
  baseline; every increase adds rises inside a 5-minute window; when the window has expired it
  restarts (rises and the alert reset, the last count kept) and the rise seen in the same pass
  still counts. At 3 rises, once per window and never in maintenance, a crash loop is reported;
  in maintenance rises are still counted.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

CRASH_WINDOW = timedelta(minutes=5)
CRASH_LOOP_RISES = 3
RUNNING = "running"


@dataclass(frozen=True)
class Watch:
    """One container as of the previous sample."""

    state: str
    name: str = ""
    restart_count: int | None = None
    window_started_at: datetime | None = None
    rises: int = 0
    alerted: bool = False

    def crash_loop_live(self, now: datetime) -> bool:
        return (
            self.alerted
            and self.window_started_at is not None
            and now - self.window_started_at <= CRASH_WINDOW
        )


@dataclass(frozen=True)
class Seen:
    """One container in this sample's list."""

    id: str
    name: str
    state: str
    status: str = ""


@dataclass(frozen=True)
class StateChange:
    container_id: str
    container_name: str
    previous: str
    current: str
    down: bool  # notify "Container Down" (push + `container.down`)


@dataclass(frozen=True)
class CrashLoop:
    container_id: str
    container_name: str
    restarts: int  # rises inside the current window


@dataclass(frozen=True)
class Outcome:
    watches: dict[str, Watch]
    changes: list[StateChange] = field(default_factory=list)
    crash_loops: list[CrashLoop] = field(default_factory=list)


def transitioned(seen: Seen, previous: Watch | None) -> bool:
    return previous is not None and previous.state != seen.state


def needs_inspect(seen: Seen, previous: Watch | None) -> bool:
    """Only restarting or just-changed containers are inspected for their restart count; a
    healthy container that never changes costs no inspect (spec §13.23)."""
    return (
        "Restarting" in (seen.status or "")
        or seen.state == "restarting"
        or transitioned(seen, previous)
    )


def count_restarts(
    watch: Watch, restart_count: int, now: datetime, maintenance: bool
) -> tuple[Watch, int | None]:
    """The watch after a restart-count reading, and the rises to report as a crash loop (None
    when there is nothing to report)."""
    if watch.restart_count is None:  # first reading: the baseline
        return replace(
            watch, restart_count=restart_count, window_started_at=now, rises=0, alerted=False
        ), None
    window_started_at, rises, alerted = watch.window_started_at, watch.rises, watch.alerted
    if window_started_at is None or now - window_started_at > CRASH_WINDOW:
        window_started_at, rises, alerted = now, 0, False
    if restart_count > watch.restart_count:
        rises += restart_count - watch.restart_count
    fire = rises >= CRASH_LOOP_RISES and not alerted and not maintenance
    updated = replace(
        watch,
        restart_count=restart_count,
        window_started_at=window_started_at,
        rises=rises,
        alerted=alerted or fire,
    )
    return updated, rises if fire else None


def step(
    previous: dict[str, Watch],
    seen: list[Seen],
    restart_counts: dict[str, int],
    now: datetime,
    *,
    maintenance: bool,
) -> Outcome:
    """Compare this sample with the previous one: the watches to keep, the state changes and
    the crash loops to report."""
    watches: dict[str, Watch] = {}
    changes: list[StateChange] = []
    crash_loops: list[CrashLoop] = []
    for container in seen:
        before = previous.get(container.id)
        if transitioned(container, before):
            down = (
                before.state == RUNNING
                and container.state != RUNNING
                and not maintenance
                and not before.crash_loop_live(now)
            )
            changes.append(
                StateChange(container.id, container.name, before.state, container.state, down)
            )
        watch = replace(
            before or Watch(state=container.state), state=container.state, name=container.name
        )
        count = restart_counts.get(container.id)
        if count is not None:
            watch, rises = count_restarts(watch, count, now, maintenance)
            if rises is not None:
                crash_loops.append(CrashLoop(container.id, container.name, rises))
        watches[container.id] = watch
    return Outcome(watches=watches, changes=changes, crash_loops=crash_loops)
