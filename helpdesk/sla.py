"""Business-time arithmetic for SLAs: pure functions, no database.

A calendar has opening hours per weekday in a time zone, and holidays; `None` means 24x7.
All arithmetic happens in UTC, so daylight-saving changes cannot stretch or shrink an hour.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS_SEARCHED = 3 * 366


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
