"""Cron parsing, validation and run times (spec §7 with the §14.16 fixes)."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.schedules import cron
from core.schedules.cron import FIELD_COUNT_MESSAGE, CronError, parse

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def runs(expression: str, start: datetime, count: int, tz=UTC_ZONE) -> list[datetime]:
    parsed, found, moment = parse(expression), [], start
    for _ in range(count):
        moment = parsed.next_after(moment, tz)
        found.append(moment)
    return found


# --- parsing: what each field accepts ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", set(range(60))),
        ("5", {5}),
        ("0,15,45", {0, 15, 45}),
        ("10-13", {10, 11, 12, 13}),
        ("*/20", {0, 20, 40}),
        ("50/3", {50, 53, 56, 59}),  # a/n: from a to the field's maximum
        ("10-20/5", {10, 15, 20}),  # a-b/n: the upper bound counts (the original ignored it)
        ("1-5/2,30,58-59", {1, 3, 5, 30, 58, 59}),
        ("0-59/60", {0}),  # a step as large as the range: the start only
    ],
)
def test_minute_field_values(field, expected):
    assert parse(f"{field} * * * *").minutes == frozenset(expected)


def test_names_for_months_and_weekdays_any_case():
    parsed = parse("0 0 * jan-Mar,DEC mon-FRI")
    assert parsed.months == {1, 2, 3, 12}
    assert parsed.weekdays == {1, 2, 3, 4, 5}


def test_weekday_seven_is_sunday():
    assert parse("0 0 * * 7").weekdays == {0}
    assert parse("0 0 * * 5-7").weekdays == {5, 6, 0}
    assert parse("0 0 * * SUN").weekdays == {0}


@pytest.mark.parametrize(
    ("macro", "equivalent"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@HOURLY", "0 * * * *"),
    ],
)
def test_macros(macro, equivalent):
    macro_parsed, plain = parse(macro), parse(equivalent)
    for name in ("minutes", "hours", "days", "months", "weekdays"):
        assert getattr(macro_parsed, name) == getattr(plain, name)


def test_whitespace_is_normalised_in_the_stored_source():
    assert parse("  */5   1\t* *  * ").source == "*/5 1 * * *"


# --- validation: the 400 messages ----------------------------------------------------------


@pytest.mark.parametrize(
    "expression", ["", "* * * *", "* * * * * *", "   ", None, 5, "0 0 1 1 1 2024"]
)
def test_field_count_message(expression):
    with pytest.raises(CronError) as caught:
        parse(expression)
    assert caught.value.message == FIELD_COUNT_MESSAGE


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("99 * * * *", "Invalid cron minute field: 99"),
        ("60 * * * *", "Invalid cron minute field: 60"),
        ("* 24 * * *", "Invalid cron hour field: 24"),
        ("* * 0 * *", "Invalid cron day field: 0"),
        ("* * 32 * *", "Invalid cron day field: 32"),
        ("* * * 13 *", "Invalid cron month field: 13"),
        ("* * * 0 *", "Invalid cron month field: 0"),
        ("* * * * 8", "Invalid cron weekday field: 8"),
        ("* * * * FOO", "Invalid cron weekday field: FOO"),
        ("* * * JANUARY *", "Invalid cron month field: JANUARY"),
        ("* * * * JAN", "Invalid cron weekday field: JAN"),  # month names are not weekdays
        ("*/0 * * * *", "Invalid cron minute field: */0"),
        ("*/x * * * *", "Invalid cron minute field: */x"),
        ("*/61 * * * *", "Invalid cron minute field: */61"),
        ("5-1 * * * *", "Invalid cron minute field: 5-1"),
        ("1-2-3 * * * *", "Invalid cron minute field: 1-2-3"),
        ("1,,2 * * * *", "Invalid cron minute field: 1,,2"),
        ("-1 * * * *", "Invalid cron minute field: -1"),
        ("1.5 * * * *", "Invalid cron minute field: 1.5"),
        ("? * * * *", "Invalid cron minute field: ?"),
        ("L * * * *", "Invalid cron minute field: L"),
        ("0 0 30 2 *", "Invalid cron day field: 30"),  # February never has a 30th
        ("0 0 31 4,6,9,11 *", "Invalid cron day field: 31"),
        ("@reboot", "Invalid cron macro: @reboot"),
        ("@every5m", "Invalid cron macro: @every5m"),
    ],
)
def test_value_errors(expression, message):
    with pytest.raises(CronError) as caught:
        parse(expression)
    assert caught.value.message == message
    if not message.startswith("Invalid cron macro"):
        assert caught.value.reason  # says what exactly is wrong


def test_reason_names_the_range():
    with pytest.raises(CronError) as caught:
        parse("99 * * * *")
    assert caught.value.reason == "99 is outside 0-59"


def test_feb_29_is_possible_and_february_30_with_a_weekday_is_too():
    parse("0 0 29 2 *")
    parse("0 0 30 2 MON")  # either day field matches: every Monday in February


# --- next run ------------------------------------------------------------------------------


def test_every_minute():
    assert runs("* * * * *", at(2024, 5, 1, 10, 0, 30), 3) == [
        at(2024, 5, 1, 10, 1),
        at(2024, 5, 1, 10, 2),
        at(2024, 5, 1, 10, 3),
    ]


def test_next_is_strictly_after():
    assert parse("0 10 * * *").next_after(at(2024, 5, 1, 10, 0), UTC_ZONE) == at(2024, 5, 2, 10)


def test_steps_with_ranges():
    assert runs("0-30/15 9-17/4 * * *", at(2024, 5, 1, 0, 0), 6) == [
        at(2024, 5, 1, 9, 0),
        at(2024, 5, 1, 9, 15),
        at(2024, 5, 1, 9, 30),
        at(2024, 5, 1, 13, 0),
        at(2024, 5, 1, 13, 15),
        at(2024, 5, 1, 13, 30),
    ]


def test_monthly_job_beyond_48_hours():
    # The original looked 48 h ahead only, so a monthly job showed no next run.
    assert parse("0 3 1 * *").next_after(at(2024, 5, 2), UTC_ZONE) == at(2024, 6, 1, 3)


def test_yearly_and_leap_day():
    assert parse("@yearly").next_after(at(2024, 1, 1, 0, 0), UTC_ZONE) == at(2025, 1, 1)
    assert parse("0 12 29 2 *").next_after(at(2024, 3, 1), UTC_ZONE) == at(2028, 2, 29, 12)


def test_month_end_rollover():
    assert runs("0 0 31 * *", at(2024, 1, 31, 1), 3) == [
        at(2024, 3, 31),
        at(2024, 5, 31),
        at(2024, 7, 31),
    ]


def test_day_fields_or_when_both_restricted():
    # 1st of the month OR any Monday (classic cron), not "a Monday the 1st" (the original).
    # 2024-07-01 is a Monday; 2024-07-08 and 15 are Mondays; 2024-08-01 is a Thursday.
    found = runs("0 9 1 * MON", at(2024, 6, 30), 6)
    assert found == [
        at(2024, 7, 1, 9),
        at(2024, 7, 8, 9),
        at(2024, 7, 15, 9),
        at(2024, 7, 22, 9),
        at(2024, 7, 29, 9),
        at(2024, 8, 1, 9),
    ]


def test_day_fields_and_when_one_is_a_star():
    # `*/2` in day-of-month starts with `*`: the weekday alone restricts... ANDed with odd days.
    found = runs("0 0 */2 * MON", at(2024, 7, 1, 1), 3)
    assert all(moment.isoweekday() == 1 and moment.day % 2 == 1 for moment in found)
    assert found[0] == at(2024, 7, 15)
    assert runs("0 0 * * SAT,SUN", at(2024, 7, 1), 2) == [at(2024, 7, 6), at(2024, 7, 7)]


def test_weekday_sunday_as_seven_runs_on_sunday():
    assert parse("0 0 * * 7").next_after(at(2024, 7, 1), UTC_ZONE) == at(2024, 7, 7)


def test_non_utc_timezone_wall_clock():
    # 09:00 in Berlin is 07:00 UTC in summer (CEST) and 08:00 UTC in winter (CET).
    assert parse("0 9 * * *").next_after(at(2024, 7, 1), BERLIN) == at(2024, 7, 1, 7)
    assert parse("0 9 * * *").next_after(at(2024, 1, 10), BERLIN) == at(2024, 1, 10, 8)


def test_dst_start_gap_runs_after_the_shift():
    # 2024-03-31 02:00 Berlin jumps to 03:00: 02:30 does not exist, it runs at 03:30 CEST.
    found = runs("30 2 * * *", at(2024, 3, 30, 12), 2, BERLIN)
    assert found == [at(2024, 3, 31, 1, 30), at(2024, 4, 1, 0, 30)]


def test_dst_end_ambiguous_hour_runs_once():
    # 2024-11-03 01:30 happens twice in New York; the job runs at the first one only.
    found = runs("30 1 * * *", at(2024, 11, 2, 12), 2, NEW_YORK)
    assert found == [at(2024, 11, 3, 5, 30), at(2024, 11, 4, 6, 30)]


def test_dst_every_minute_has_no_duplicates_or_gaps_in_utc():
    found = runs("* * * * *", at(2024, 10, 27, 0, 50), 30, BERLIN)
    assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(found))


def test_latest_at_or_before():
    parsed = parse("*/5 * * * *")
    window = timedelta(minutes=5)
    assert parsed.latest_at_or_before(at(2024, 1, 1, 10, 7, 30), UTC_ZONE, window) == at(
        2024, 1, 1, 10, 5
    )
    assert parsed.latest_at_or_before(at(2024, 1, 1, 10, 5), UTC_ZONE, window) == at(
        2024, 1, 1, 10, 5
    )
    assert parse("0 0 1 * *").latest_at_or_before(at(2024, 1, 3), UTC_ZONE, window) is None


def test_celery_fields_are_a_superset():
    assert parse("*/15 9-17 * * MON-FRI").celery_fields() == {
        "minute": "0,15,30,45",
        "hour": "9,10,11,12,13,14,15,16,17",
        "day_of_month": "*",
        "month_of_year": "*",
        "day_of_week": "1,2,3,4,5",
    }
    # Celery ANDs the day fields: with both restricted it fires daily and the task filters.
    either = parse("0 9 1 * MON").celery_fields()
    assert (either["day_of_month"], either["day_of_week"]) == ("*", "*")


def test_timezone_validation():
    assert cron.validate_timezone("Europe/Berlin").key == "Europe/Berlin"
    assert cron.validate_timezone("UTC").key == "UTC"
    for bad in ("Mars/Olympus", "", "../etc/passwd", 5):
        with pytest.raises(CronError):
            cron.validate_timezone(bad)
