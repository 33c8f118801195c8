"""Container CPU % (spec A.3): Δcontainer / Δsystem * online CPUs * 100, 2 dp."""

from core.sampling.cpu import CpuReading, cpu_percent, engine_previous, reading_of


def stats(container: int, system: int, cpus: int = 2, pre: tuple[int, int] | None = None):
    raw = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": container},
            "system_cpu_usage": system,
            "online_cpus": cpus,
        },
        "precpu_stats": {},
    }
    if pre:
        raw["precpu_stats"] = {"cpu_usage": {"total_usage": pre[0]}, "system_cpu_usage": pre[1]}
    return raw


def test_percent_is_the_share_of_system_time_times_cpus():
    before = reading_of(stats(1_000_000, 100_000_000))
    after = reading_of(stats(1_500_000, 102_000_000))
    # 0.5 ms of 2 ms system time on 2 CPUs → 50 %
    assert cpu_percent(after, before) == 50.0


def test_two_decimals():
    before = CpuReading(container=0, system=0 + 3_000, cpus=1)
    after = CpuReading(container=1_000, system=6_000, cpus=1)
    assert cpu_percent(after, before) == 33.33


def test_no_previous_reading_is_unknown_not_zero():
    assert cpu_percent(reading_of(stats(10, 20)), None) is None


def test_counters_that_did_not_advance_give_zero():
    reading = CpuReading(container=5, system=10, cpus=4)
    assert cpu_percent(reading, reading) == 0.0
    # a restart resets the container counter below the previous one
    assert cpu_percent(CpuReading(1, 20, 4), CpuReading(5, 10, 4)) == 0.0


def test_the_engines_own_previous_reading_is_used_when_a_blocking_call_filled_it():
    raw = stats(2_000, 20_000, cpus=1, pre=(1_000, 10_000))
    assert cpu_percent(reading_of(raw), engine_previous(raw)) == 10.0
    assert engine_previous(stats(2_000, 20_000)) is None  # one-shot: precpu empty


def test_a_stopped_containers_stats_have_no_reading():
    assert reading_of({"cpu_stats": {}, "precpu_stats": {}}) is None


def test_online_cpus_falls_back_to_percpu_entries():
    raw = stats(10, 20)
    del raw["cpu_stats"]["online_cpus"]
    raw["cpu_stats"]["cpu_usage"]["percpu_usage"] = [1, 2, 3]
    assert reading_of(raw).cpus == 3


def test_round_trip_through_the_cache_form():
    reading = CpuReading(1, 2, 3)
    assert CpuReading.from_dict(reading.as_dict()) == reading
    assert CpuReading.from_dict({"container": "x"}) is None
    assert CpuReading.from_dict(None) is None
