"""Business-time arithmetic: examples across weekends, holidays and DST, and properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.models import BusinessCalendar, SlaPolicy
from helpdesk.services.sla_targets import calendar_from
from helpdesk.sla import MAX_HOLIDAYS, Calendar, add_business_time, business_time_between

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


OFFICE = {"0": [["09:00", "17:00"]], "1": [["09:00", "12:00"], ["13:00", "17:00"]]}


@pytest.mark.parametrize(
    ("field", "time_zone", "weekly_hours", "holidays"),
    [
        ("time_zone", "Mars/Olympus_Mons", OFFICE, []),
        ("time_zone", "../../etc/passwd", OFFICE, []),
        ("weekly_hours", "UTC", {}, []),
        ("weekly_hours", "UTC", {"0": []}, []),
        ("weekly_hours", "UTC", ["09:00", "17:00"], []),
        ("weekly_hours", "UTC", {"monday": [["09:00", "17:00"]]}, []),
        ("weekly_hours", "UTC", {"7": [["09:00", "17:00"]]}, []),
        ("weekly_hours", "UTC", {"0": [["17:00", "09:00"]]}, []),
        ("weekly_hours", "UTC", {"0": [["09:00", "24:00"]]}, []),
        ("weekly_hours", "UTC", {"0": [["09:00", "13:00"], ["12:00", "17:00"]]}, []),
        ("weekly_hours", "UTC", {"0": [["09:00"]]}, []),
        ("weekly_hours", "UTC", {"0": [[9, 17]]}, []),
        ("weekly_hours", "UTC", {"0": "09:00-17:00"}, []),
        ("holidays", "UTC", OFFICE, ["25 December"]),
        ("holidays", "UTC", OFFICE, "2026-12-25"),
        ("holidays", "UTC", OFFICE, [f"2030-01-{day:02d}" for day in range(1, 29)] * 6),
    ],
)
def test_a_calendar_the_clocks_could_not_use_is_refused_when_saved(
    organization, field, time_zone, weekly_hours, holidays
):
    calendar = BusinessCalendar(
        organization=organization,
        name="Office",
        time_zone=time_zone,
        weekly_hours=weekly_hours,
        holidays=holidays,
    )

    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    assert field in refused.value.message_dict


def test_the_admin_form_shows_what_is_wrong_with_a_calendar(organization):
    form_class = modelform_factory(BusinessCalendar, fields="__all__")
    data = {
        "organization": organization.pk,
        "name": "Office",
        "time_zone": "Europe/Paris",
        "weekly_hours": '{"0": [["17:00", "09:00"]]}',
        "holidays": "[]",
    }

    form = form_class(data)

    assert not form.is_valid()
    assert "weekly_hours" in form.errors


def test_a_valid_calendar_saves_and_runs_the_clock(organization):
    calendar = BusinessCalendar(
        organization=organization, name="Office", time_zone="Europe/Paris", weekly_hours=OFFICE
    )
    calendar.full_clean()
    calendar.save()

    start = paris(2026, 11, 23, 16)  # a Monday
    assert add_business_time(start, timedelta(hours=2), calendar_from(calendar)) == paris(
        2026, 11, 24, 10
    )


def test_a_target_longer_than_the_calendar_can_reach_is_refused(organization):
    calendar = BusinessCalendar.objects.create(
        organization=organization, name="Mondays", weekly_hours={"0": [["09:00", "10:00"]]}
    )
    policy = SlaPolicy(
        organization=organization,
        priority="low",
        first_response_minutes=60,
        resolution_minutes=300 * 60,  # 300 business hours: six years of Monday mornings
        calendar=calendar,
    )

    with pytest.raises(ValidationError):
        policy.full_clean()


def test_shrinking_a_calendar_below_its_policies_targets_is_refused(organization):
    calendar = BusinessCalendar.objects.create(
        organization=organization, name="Office", weekly_hours=OFFICE
    )
    SlaPolicy.objects.create(
        organization=organization,
        priority="low",
        first_response_minutes=60,
        resolution_minutes=300 * 60,
        calendar=calendar,
    )
    calendar.weekly_hours = {"0": [["09:00", "10:00"]]}

    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    assert "weekly_hours" in refused.value.message_dict


def test_fewer_holidays_than_the_limit_never_close_a_calendar_for_a_whole_search():
    # Every Monday for the limit's worth of weeks: the search still finds the Monday after.
    mondays = frozenset(date(2027, 1, 4) + timedelta(weeks=n) for n in range(MAX_HOLIDAYS))
    calendar = Calendar(PARIS, {0: NINE_TO_FIVE}, mondays)

    assert add_business_time(paris(2027, 1, 4, 9), timedelta(hours=1), calendar) > paris(
        2029, 11, 1
    )
