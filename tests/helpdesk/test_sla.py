"""Business-time arithmetic: examples across weekends, holidays and DST, and properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.sla import Calendar, add_business_time, business_time_between

PARIS = ZoneInfo("Europe/Paris")
NINE_TO_FIVE = ((time(9), time(17)),)
WEEKDAYS = Calendar(PARIS, {day: NINE_TO_FIVE for day in range(5)})
WITH_LUNCH = Calendar(PARIS, {day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)})
CHRISTMAS = Calendar(
    PARIS, {day: NINE_TO_FIVE for day in range(5)}, frozenset({date(2026, 12, 25)})
)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_friday_afternoon_rolls_over_the_weekend():
    # Friday 16:00 + 2 business hours = Monday 10:00
    assert add_business_time(paris(2026, 11, 20, 16), timedelta(hours=2), WEEKDAYS) == paris(
        2026, 11, 23, 10
    )


def test_time_outside_hours_starts_at_the_next_opening():
    assert add_business_time(paris(2026, 11, 21, 12), timedelta(hours=1), WEEKDAYS) == paris(
        2026, 11, 23, 10
    )


def test_holidays_are_skipped():
    # Thursday 24 Dec 16:00 + 2h: one hour on the 24th, Christmas closed, one hour on the 28th
    assert add_business_time(paris(2026, 12, 24, 16), timedelta(hours=2), CHRISTMAS) == paris(
        2026, 12, 28, 10
    )


def test_lunch_break_does_not_count():
    assert add_business_time(paris(2026, 11, 23, 11), timedelta(hours=2), WITH_LUNCH) == paris(
        2026, 11, 23, 14
    )


def test_daylight_saving_change_keeps_eight_business_hours_a_day():
    # The night of 29 March 2026 is an hour shorter in Paris; business hours are not.
    before, after = paris(2026, 3, 27, 9), paris(2026, 3, 30, 17)
    assert business_time_between(before, after, WEEKDAYS) == timedelta(hours=16)


def test_twenty_four_seven_is_plain_time():
    start = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=5), None) == start + timedelta(hours=5)


def test_calendar_without_hours_is_refused():
    with pytest.raises(ValueError, match="opening hours"):
        Calendar(PARIS, {})


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=1, max_value=60 * 24 * 30).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from([WEEKDAYS, WITH_LUNCH, CHRISTMAS, None])


@given(moments, durations, durations, calendars)
def test_adding_in_two_steps_equals_adding_at_once(start, first, second, calendar):
    in_steps = add_business_time(add_business_time(start, first, calendar), second, calendar)
    assert in_steps == add_business_time(start, first + second, calendar)


@given(moments, durations, calendars)
def test_business_time_between_start_and_due_is_the_duration(start, duration, calendar):
    due = add_business_time(start, duration, calendar)
    assert business_time_between(start, due, calendar) == duration


@given(moments, durations, durations, calendars)
def test_longer_targets_are_never_due_earlier(start, shorter, longer, calendar):
    shorter, longer = sorted((shorter, longer))
    assert add_business_time(start, shorter, calendar) <= add_business_time(start, longer, calendar)


@given(moments, durations, st.sampled_from([WEEKDAYS, WITH_LUNCH, CHRISTMAS]))
def test_due_time_falls_inside_opening_hours(start, duration, calendar):
    due = add_business_time(start, duration, calendar)
    local = due.astimezone(PARIS)
    spans = calendar.intervals_on(local.date())
    assert any(opens < due <= closes for opens, closes in spans)
