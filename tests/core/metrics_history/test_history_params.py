"""Parsing, clamping and tier choice of the history query (spec §9.2, §13.40-41)."""

import pytest
from django.http import QueryDict

from core.metrics_history.params import RANGES, HistoryParamInvalid, parse
from core.metrics_history.query import MAX_POINTS, clamp, tier_for


def parsed(query: str):
    return parse(QueryDict(query))


def error_of(query: str) -> str:
    with pytest.raises(HistoryParamInvalid) as caught:
        parsed(query)
    return str(caught.value.detail)


def test_range_beats_from_to_beats_hours():
    assert parsed("range=7d&from=1&to=2&hours=5").mode == "range"
    assert parsed("range=7d&from=1&to=2&hours=5").requested_days == 7
    window = parsed("from=1000&to=87400&hours=5")
    assert (window.mode, window.start, window.end, window.requested_days) == (
        "window",
        1000,
        87400,
        1,
    )
    assert parsed("hours=48").requested_days == 2


def test_default_is_legacy_24_hours():
    request = parsed("")
    assert (request.mode, request.requested_days) == ("legacy", 1)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("range=2d", "range must be one of 24h,7d,30d,90d,1y"),
        ("range=", "range must be one of 24h,7d,30d,90d,1y"),
        ("range=7d&range=30d", "range must be a single string"),
        ("from=100", "from and to are both required"),
        ("to=100", "from and to are both required"),
        ("from=200&to=100", "to must be greater than from"),
        ("from=100&to=100", "to must be greater than from"),
        ("from=NaN&to=100", "from must be a finite number"),
        ("from=abc&to=100", "from must be a finite number"),
        ("from=Infinity&to=100", "from must be a finite number"),
        ("from=-5&to=100", "from must be positive"),
        ("from=0&to=100", "from must be positive"),
        ("from=1e30&to=1e31", "from out of range"),
        ("from=100&to=1e30", "to out of range"),
        ("from=100&to=NaN", "to must be a finite number"),
        ("from=1&from=2&to=100", "from must be a single string"),
        ("from=1&to=100&to=200", "to must be a single string"),
        ("hours=1&hours=2", "hours must be a single string"),
        ("hours=NaN", "hours must be a finite number"),
        ("hours=-1", "hours must be positive"),
        ("hours=1e30", "hours out of range"),
    ],
)
def test_invalid_parameters(query, message):
    assert error_of(query) == message


def test_hours_are_converted_to_days_and_capped():
    assert parsed("hours=8760").requested_days == 365
    assert parsed("hours=1e9").requested_days == 730
    assert parsed("hours=24.9").requested_days == 1  # floored to 24


def test_hours_below_a_day_are_not_widened():  # §14.46, a deliberate fix
    assert parsed("hours=6").requested_days == 0.25
    assert parsed("hours=0.5").requested_days == 0.001  # floored to 0, then the minimum


def test_window_days_are_bounded():
    assert parsed("from=1&to=2").requested_days == 0.001
    assert parsed("from=1&to=1000000000").requested_days == 730


def test_range_map_is_exact():
    assert RANGES == {"24h": 1, "7d": 7, "30d": 30, "90d": 90, "1y": 365}


def test_clamp_by_retention():  # §13.41
    assert clamp(365, 90).served_days == 90
    assert clamp(365, 90).clamped
    assert clamp(7, 90).served_days == 7
    assert not clamp(7, 90).clamped
    assert not clamp(365, 365).clamped
    served = clamp(1e9, 365)
    assert (served.requested_days, served.served_days, served.clamped) == (730, 365, True)


def test_tier_choice():
    assert MAX_POINTS == 5000
    assert tier_for(0.001) == tier_for(0.5) == "raw"
    assert tier_for(0.51) == tier_for(1) == tier_for(90) == "hourly"
    assert tier_for(90.01) == tier_for(365) == tier_for(730) == "daily"
