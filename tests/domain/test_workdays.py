"""Working days: adding N working days lands on a working day with exactly N working days after the start, skips
weekends and holidays, and walks back the same way."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpact.domain.workdays import WorkingCalendar, weekend_from_names

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
weekends = st.frozensets(st.integers(min_value=0, max_value=6), max_size=6)
holiday_sets = st.frozensets(st.dates(min_value=date(1999, 6, 1), max_value=date(2101, 6, 30)), max_size=60)
calendars = st.builds(WorkingCalendar, weekend=weekends, holidays=holiday_sets)
# a six-day weekend walks for years: on a shared machine an example may take longer than hypothesis's 200 ms default
unhurried = settings(deadline=None)


@unhurried
@given(calendar=calendars, start=days, n=st.integers(min_value=1, max_value=400))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(calendar, start, n):
    end = calendar.add_working_days(start, n)
    assert end > start
    assert calendar.is_working_day(end)
    assert calendar.working_days_between(start, end) == n


@unhurried
@given(calendar=calendars, start=days, n=st.integers(min_value=0, max_value=200))
def test_one_more_working_day_never_comes_earlier(calendar, start, n):
    assert calendar.add_working_days(start, n + 1) > calendar.add_working_days(start, n)


@unhurried
@given(calendar=calendars, start=days, n=st.integers(min_value=1, max_value=200))
def test_walking_back_from_a_working_day_returns_to_it(calendar, start, n):
    working_start = calendar.next_working_day(start)
    assert calendar.add_working_days(calendar.add_working_days(working_start, n), -n) == working_start


@unhurried
@given(calendar=calendars, start=days)
def test_zero_working_days_is_the_start_itself(calendar, start):
    assert calendar.add_working_days(start, 0) == start


@given(start=days, n=st.integers(min_value=1, max_value=100))
def test_without_a_weekend_or_holidays_working_days_are_calendar_days(start, n):
    assert WorkingCalendar(weekend=frozenset()).add_working_days(start, n) == start + timedelta(days=n)


@given(start=days, n=st.integers(min_value=1, max_value=100), holiday_offset=st.integers(min_value=1, max_value=100))
def test_a_holiday_before_the_end_pushes_it_one_working_day_later(start, n, holiday_offset):
    plain = WorkingCalendar()
    end = plain.add_working_days(start, n)
    holiday = start + timedelta(days=holiday_offset)
    with_holiday = WorkingCalendar(holidays=frozenset({holiday}))
    expected = plain.add_working_days(start, n + 1) if plain.is_working_day(holiday) and holiday <= end else end
    assert with_holiday.add_working_days(start, n) == expected


def test_a_friday_plus_one_working_day_is_the_monday_and_a_holiday_monday_is_skipped():
    friday = date(2026, 6, 5)
    assert WorkingCalendar().add_working_days(friday, 1) == date(2026, 6, 8)
    assert WorkingCalendar(holidays=frozenset({date(2026, 6, 8)})).add_working_days(friday, 1) == date(2026, 6, 9)


def test_a_friday_and_saturday_weekend_works_on_sunday():
    weekend = weekend_from_names(["Fri", "saturday"])
    assert weekend == frozenset({4, 5})
    assert WorkingCalendar(weekend=weekend).add_working_days(date(2026, 6, 4), 1) == date(2026, 6, 7)


def test_a_misspelt_weekday_and_a_week_without_working_days_are_refused():
    with pytest.raises(ValueError, match="'funday' is not a day of the week"):
        weekend_from_names(["sat", "funday"])
    with pytest.raises(ValueError, match="at least one working day"):
        WorkingCalendar(weekend=frozenset(range(7)))
