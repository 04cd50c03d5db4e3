"""Business-time arithmetic for SLAs: pure functions, no database.

A calendar has opening hours per weekday in a time zone, and holidays; `None` means 24x7.
All arithmetic happens in UTC, so daylight-saving changes cannot stretch or shrink an hour.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

MAX_DAYS_SEARCHED = 3 * 366
# Any three years hold each weekday 156 times; with fewer holidays than that, no list of them
# can close a calendar for a whole search (so the search always finds business hours).
MAX_HOLIDAYS = 150


@dataclass(frozen=True)
class Calendar:
    time_zone: ZoneInfo
    # weekday (0 = Monday) -> opening intervals as (start, end) wall-clock times
    weekly_hours: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not any(self.weekly_hours.values()):
            raise ValueError("A business calendar needs opening hours on at least one weekday")

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening intervals as UTC datetimes (none on holidays)."""
        if day in self.holidays:
            return []
        return [
            (
                datetime.combine(day, start, tzinfo=self.time_zone).astimezone(UTC),
                datetime.combine(day, end, tzinfo=self.time_zone).astimezone(UTC),
            )
            for start, end in self.weekly_hours.get(day.weekday(), ())
        ]


class CalendarError(ValueError):
    """A stored calendar that cannot be used; `field` names the part at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_calendar(time_zone: str, weekly_hours, holidays) -> Calendar:
    """Build a Calendar from its stored form, or raise CalendarError saying what is wrong."""
    if not isinstance(time_zone, str) or time_zone not in _time_zone_names():
        raise CalendarError("time_zone", f"{time_zone!r} is not a known time zone.")
    if not isinstance(holidays, list) or len(holidays) > MAX_HOLIDAYS:
        raise CalendarError("holidays", f"Holidays are a list of at most {MAX_HOLIDAYS} dates.")
    try:
        closed = frozenset(date.fromisoformat(day) for day in holidays)
    except (TypeError, ValueError):
        raise CalendarError("holidays", 'Holidays are dates such as "2026-12-25".') from None
    weekly = _parse_weekly_hours(weekly_hours)
    if not any(weekly.values()):
        raise CalendarError("weekly_hours", "Give opening hours on at least one weekday.")
    return Calendar(time_zone=ZoneInfo(time_zone), weekly_hours=weekly, holidays=closed)


def _parse_weekly_hours(weekly_hours) -> dict[int, tuple[tuple[time, time], ...]]:
    shape = 'Opening hours map weekdays "0" (Monday) to "6" to [["09:00", "17:00"], ...].'
    if not isinstance(weekly_hours, dict):
        raise CalendarError("weekly_hours", shape)
    parsed = {}
    for weekday, spans in weekly_hours.items():
        try:
            day = int(weekday)
            intervals = tuple(
                sorted((time.fromisoformat(start), time.fromisoformat(end)) for start, end in spans)
            )
        except (TypeError, ValueError):
            raise CalendarError("weekly_hours", shape) from None
        if day not in range(7) or day in parsed:
            raise CalendarError("weekly_hours", shape)
        empty = any(start.tzinfo or end.tzinfo or start >= end for start, end in intervals)
        if empty or any(after[0] < before[1] for before, after in pairwise(intervals)):
            raise CalendarError(
                "weekly_hours",
                f"Weekday {day}: intervals are local times that neither overlap nor end "
                "before they start.",
            )
        parsed[day] = intervals
    return parsed


def guaranteed_business_time(calendar: Calendar) -> timedelta:
    """Business time that any search window holds, however its holidays fall (a lower bound)."""
    daily = {
        day: sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in spans
            ),
            timedelta(0),
        )
        for day, spans in calendar.weekly_hours.items()
    }
    full_weeks = MAX_DAYS_SEARCHED // 7 - 2  # the first and last days may be partly used
    # Each daylight-saving change may take an hour off one opening day.
    lost = max(daily.values()) * len(calendar.holidays) + timedelta(hours=2 * 3)
    return max(sum(daily.values(), timedelta(0)) * full_weeks - lost, timedelta(0))


def _days_from(moment: datetime, calendar: Calendar):
    day = moment.astimezone(calendar.time_zone).date() - timedelta(days=1)
    for offset in range(MAX_DAYS_SEARCHED):
        yield day + timedelta(days=offset)
    raise ValueError("No business hours within three years; check the calendar's holidays")


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar | None) -> datetime:
    """Return when `duration` of business time has passed after `start`."""
    if calendar is None:
        return start + duration
    remaining = duration
    for day in _days_from(start, calendar):
        for opens, closes in calendar.intervals_on(day):
            begin = max(opens, start)
            if begin >= closes:
                continue
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
    raise AssertionError("unreachable")  # _days_from raises first


def business_time_between(start: datetime, end: datetime, calendar: Calendar | None) -> timedelta:
    """Return the business time in [start, end); zero when end is not after start."""
    if end <= start:
        return timedelta(0)
    if calendar is None:
        return end - start
    total = timedelta(0)
    for day in _days_from(start, calendar):
        for opens, closes in calendar.intervals_on(day):
            if opens >= end:
                return total
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap
    raise AssertionError("unreachable")
