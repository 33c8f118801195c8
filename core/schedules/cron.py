"""Cron expressions: parsing with full validation, matching, and the next/previous run time.

Standard five fields `minute hour day-of-month month day-of-week`, each a comma list of items:
`*`, a number, a range `a-b`, a step `*/n`, `a/n` (a to the field's maximum) or `a-b/n` (a to
b, every n). Months and weekdays also take names (`JAN`..`DEC`, `SUN`..`SAT`, any case, in
ranges too); weekday 7 is Sunday like 0. Macros: `@yearly`/`@annually`, `@monthly`,
`@weekly`, `@daily`/`@midnight`, `@hourly`.

Day matching follows classic (Vixie) cron, NOT the original's AND of both day fields (spec
§7, §14.16): when both day-of-month and day-of-week are restricted (neither starts with `*`),
a day matches if EITHER matches (`0 9 1 * MON` = the 1st of each month and every Monday);
when one of them starts with `*`, the other alone decides.

Times are wall-clock times in the schedule's timezone. A wall time that does not exist (the
hour skipped when DST starts) is run at the same wall time after the shift (02:30 -> 03:30).
A wall time that happens twice (DST ends) runs at its first occurrence only, unless the hour
field starts with `*` (an hourly-or-finer job keeps running through the repeated hour).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

FIELD_COUNT_MESSAGE = "cronExpression must have 5 fields: minute hour day month weekday"
MAX_LENGTH = 256
# Long enough for every satisfiable expression: Feb 29 on a given weekday recurs within 28 years.
SEARCH_YEARS = 29

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        start=1,
    )
}
WEEKDAY_NAMES = {name: number for number, name in enumerate(
    ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}  # fmt: skip
_NUMBER = re.compile(r"\d{1,3}")
_DAYS_IN_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31,
                  11: 30, 12: 31}  # fmt: skip


class CronError(ValueError):
    """`message` is the API's error text; `reason` says what exactly is wrong."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class _Field:
    name: str  # as the error message names it
    low: int
    high: int
    names: dict[str, int] | None = None


FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day", 1, 31),
    _Field("month", 1, 12, MONTH_NAMES),
    _Field("weekday", 0, 7, WEEKDAY_NAMES),
)


def _value(text: str, spec: _Field, field_text: str) -> int:
    if spec.names and text.upper() in spec.names:
        return spec.names[text.upper()]
    if not _NUMBER.fullmatch(text):
        raise CronError(
            f"Invalid cron {spec.name} field: {field_text}", f"{text!r} is not a number"
        )
    number = int(text)
    if not spec.low <= number <= spec.high:
        raise CronError(
            f"Invalid cron {spec.name} field: {field_text}",
            f"{number} is outside {spec.low}-{spec.high}",
        )
    return number


def _item(item: str, spec: _Field, field_text: str) -> set[int]:
    invalid = f"Invalid cron {spec.name} field: {field_text}"
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text) or int(step_text) == 0:
            raise CronError(invalid, f"step {step_text!r} must be a positive number")
        step = int(step_text)
    if base == "*":
        low, high = spec.low, spec.high
    elif "-" in base:
        start_text, _, end_text = base.partition("-")
        low, high = _value(start_text, spec, field_text), _value(end_text, spec, field_text)
        if low > high:
            raise CronError(invalid, f"range {base} runs backwards")
    elif base:
        low = _value(base, spec, field_text)
        high = spec.high if slash else low  # `a/n`: from a to the field's maximum
    else:
        raise CronError(invalid, "empty item")
    if step > spec.high - spec.low + 1 and slash:
        raise CronError(invalid, f"step {step} is larger than the field's range")
    return set(range(low, high + 1, step))


def _parse_field(text: str, spec: _Field) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        values |= _item(item, spec, text)
    if spec.name == "weekday" and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class CronExpression:
    source: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_restricted: bool
    weekdays_restricted: bool
    every_hour: bool = False  # the hour field starts with `*`

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        day_ok = day.day in self.days
        weekday_ok = day.isoweekday() % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return day_ok or weekday_ok
        return day_ok and weekday_ok

    def instants_of(self, day: date, tz: ZoneInfo) -> list[datetime]:
        """The run times on a local calendar day that matches, as sorted UTC instants."""
        found = set()
        for hour in self.hours:
            for minute in self.minutes:
                wall = datetime.combine(day, _clock(hour, minute))
                found.add(_run_instant(wall, tz))
                if self.every_hour:  # the repeated hour when DST ends is a new hour too
                    found.add(wall.replace(tzinfo=tz, fold=1).astimezone(UTC))
        return sorted(found)

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """The first run time strictly after `moment` (aware), as an aware UTC datetime;
        None when the expression never matches."""
        start = moment.astimezone(tz).date() - timedelta(days=1)  # DST shifts cross midnight
        for offset in range(SEARCH_YEARS * 366 + 2):
            day = start + timedelta(days=offset)
            if not self.matches_day(day) or _day_ends_before(day, tz, moment):
                continue
            for instant in self.instants_of(day, tz):
                if instant > moment:
                    return instant
        return None

    def latest_at_or_before(self, moment: datetime, tz: ZoneInfo, within: timedelta):
        """The last run time at or before `moment` and no older than `within`, or None."""
        earliest = moment - within
        start = moment.astimezone(tz).date() + timedelta(days=1)
        for offset in range(within.days + 3):
            day = start - timedelta(days=offset)
            if not self.matches_day(day):
                continue
            for instant in reversed(self.instants_of(day, tz)):
                if earliest <= instant <= moment:
                    return instant
        return None

    def celery_fields(self) -> dict[str, str]:
        """Fields for a celery CrontabSchedule firing at least at every run time. Celery ANDs
        the day fields, so when both are restricted it fires daily and the task (which checks
        this expression) skips the days that do not match."""
        either_day = self.days_restricted and self.weekdays_restricted
        return {
            "minute": _celery_list(self.minutes, 0, 59),
            "hour": _celery_list(self.hours, 0, 23),
            "day_of_month": "*" if either_day else _celery_list(self.days, 1, 31),
            "month_of_year": _celery_list(self.months, 1, 12),
            "day_of_week": "*" if either_day else _celery_list(self.weekdays, 0, 6),
        }


def _clock(hour: int, minute: int):
    return datetime.min.replace(hour=hour, minute=minute).time()


def _run_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant a naive wall time in `tz` runs at. fold=0 picks the first occurrence of
    an ambiguous time, and reads a time inside a DST gap with the offset before the shift,
    which is the same wall time after the shift (02:30 -> 03:30)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _day_ends_before(day: date, tz: ZoneInfo, moment: datetime) -> bool:
    return _run_instant(datetime.combine(day, _clock(23, 59)), tz) + timedelta(hours=3) < moment


def _celery_list(values: frozenset[int], low: int, high: int) -> str:
    if values == frozenset(range(low, high + 1)):
        return "*"
    return ",".join(str(value) for value in sorted(values))


def parse(expression: object) -> CronExpression:
    """Parse and validate; raises CronError with the API's message."""
    if not isinstance(expression, str):
        raise CronError(FIELD_COUNT_MESSAGE)
    text = " ".join(expression.split())
    if len(text) > MAX_LENGTH:
        raise CronError(f"cronExpression must be at most {MAX_LENGTH} characters")
    if text.startswith("@"):
        if text.lower() not in MACROS:
            valid = ", ".join(MACROS)
            raise CronError(f"Invalid cron macro: {text}", f"valid macros: {valid}")
        text = MACROS[text.lower()]
    parts = text.split(" ")
    if len(parts) != 5 or not text:
        raise CronError(FIELD_COUNT_MESSAGE)
    minutes, hours, days, months, weekdays = (
        _parse_field(part, spec) for part, spec in zip(parts, FIELDS, strict=True)
    )
    cron = CronExpression(
        source=" ".join(expression.split()),
        minutes=minutes,
        hours=hours,
        days=days,
        months=months,
        weekdays=weekdays,
        days_restricted=not parts[2].startswith("*"),
        weekdays_restricted=not parts[4].startswith("*"),
        every_hour=parts[1].startswith("*"),
    )
    if not (cron.days_restricted and cron.weekdays_restricted):
        _require_possible_day(cron, parts[2])
    return cron


def _require_possible_day(cron: CronExpression, day_text: str) -> None:
    """`0 0 31 2 *` (the days ANDed, and no such date) can never run: refuse it."""
    if any(day <= _DAYS_IN_MONTH[month] for day in cron.days for month in cron.months):
        return
    raise CronError(
        f"Invalid cron day field: {day_text}", "no month of the expression has such a day"
    )


def validate_timezone(name: object) -> ZoneInfo:
    """A ZoneInfo for an IANA name; raises CronError("Invalid timezone: ...")."""
    from zoneinfo import available_timezones

    if not isinstance(name, str) or not name.strip():
        raise CronError("timezone must be an IANA time zone name such as Europe/Berlin")
    name = name.strip()
    if name not in _zone_names(available_timezones):
        raise CronError(f"Invalid timezone: {name[:64]}")
    return ZoneInfo(name)


_zones: frozenset[str] | None = None


def _zone_names(loader) -> frozenset[str]:
    global _zones
    if _zones is None:
        _zones = frozenset(loader()) | {"UTC"}
    return _zones
