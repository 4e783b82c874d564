import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civicpact.domain.performance.calendar import (
    ALL_DAY,
    CalendarInputError,
    MonthCalendar,
    ServiceWindow,
    month_bounds,
    month_of,
    service_slots,
    slot_count,
)

LISBON = "Europe/Lisbon"
WEEKDAYS = frozenset(range(5))


def quarter_hours(year, month, **kwargs):
    return service_slots(year, month, tz=LISBON, interval_minutes=15, **kwargs)


def on_day(starts, day, tz=LISBON):
    return [s for s in starts if s.astimezone(ZoneInfo(tz)).date() == day]


def test_a_normal_month_of_31_days_has_2976_quarter_hours():
    assert slot_count(2027, 1, tz=LISBON, interval_minutes=15) == 31 * 96 == 2976
    assert slot_count(2027, 2, tz=LISBON, interval_minutes=60) == 28 * 24


def test_the_spring_day_has_92_quarter_hours_the_skipped_hour_none():
    # Lisbon, last Sunday of March 2027: at 01:00 WET (01:00 UTC) the clocks go to 02:00 WEST
    starts = quarter_hours(2027, 3)
    assert len(starts) == 31 * 96 - 4 == 2972
    day = on_day(starts, datetime(2027, 3, 28).date())
    assert len(day) == 92
    local = [s.astimezone(ZoneInfo(LISBON)) for s in day]
    assert (local[3].hour, local[3].minute, local[4].hour, local[4].minute) == (0, 45, 2, 0)
    # the UTC starts run on without a gap: the skipped hour was never real time
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(day))


def test_the_autumn_day_has_100_quarter_hours_the_repeated_hour_twice():
    # Lisbon, last Sunday of October 2027: at 02:00 WEST (01:00 UTC) the clocks go back to 01:00 WET
    starts = quarter_hours(2027, 10)
    assert len(starts) == 31 * 96 + 4 == 2980
    day = on_day(starts, datetime(2027, 10, 31).date())
    assert len(day) == 100
    local = [s.astimezone(ZoneInfo(LISBON)) for s in day]
    one_oclock = [(t.fold, t.utcoffset()) for t in local if t.hour == 1 and t.minute == 0]
    assert one_oclock == [(0, timedelta(hours=1)), (1, timedelta(0))]
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(day))


def test_slots_are_numbered_in_time_order_and_map_back():
    calendar = MonthCalendar.build(2027, 10, tz=LISBON, interval_minutes=15)
    assert calendar.slots == 2980
    assert list(calendar.starts) == sorted(calendar.starts)
    first_one = datetime(2027, 10, 31, 0, 0, tzinfo=UTC)  # 01:00 WEST, the first time round
    second_one = datetime(2027, 10, 31, 1, 0, tzinfo=UTC)  # 01:00 WET, the second time round
    assert calendar.slot(second_one) == 30 * 96 + 8
    assert calendar.slot(first_one) == 30 * 96 + 4
    assert calendar.slot(second_one + timedelta(minutes=14, seconds=59)) == calendar.slot(second_one)
    for slot in (0, 1, 2884, 2888, 2979):
        assert calendar.slot(calendar.slot_start(slot)) == slot
    start, end = calendar.bounds()
    assert start == datetime(2027, 9, 30, 23, 0, tzinfo=UTC)  # local midnight, WEST
    assert end == datetime(2027, 11, 1, 0, 0, tzinfo=UTC)  # local midnight, WET
    assert calendar.slot(start) == 0
    assert calendar.slot(start - timedelta(microseconds=1)) is None
    assert calendar.slot(end - timedelta(microseconds=1)) == 2979
    assert calendar.slot(end) is None


def test_service_windows_for_part_of_the_day():
    night = (ServiceWindow(frozenset(range(7)), 0, 6 * 60), ServiceWindow(frozenset(range(7)), 18 * 60, 1440))
    calendar = MonthCalendar.build(2027, 1, tz=LISBON, interval_minutes=15, windows=night)
    assert calendar.slots == 31 * 12 * 4
    assert calendar.slot(datetime(2027, 1, 1, 12, 0, tzinfo=UTC)) is None
    assert calendar.slot(datetime(2027, 1, 1, 5, 59, tzinfo=UTC)) == 23
    assert calendar.slot(datetime(2027, 1, 1, 18, 0, tzinfo=UTC)) == 24
    assert calendar.slot(datetime(2027, 1, 2, 0, 0, tzinfo=UTC)) == 48
    # a window ending at 24:00 runs to midnight; in the spring the night is an hour shorter
    spring = MonthCalendar.build(2027, 3, tz=LISBON, interval_minutes=15, windows=night)
    assert spring.slots == 31 * 48 - 4


def test_weekday_only_windows():
    office = (ServiceWindow(WEEKDAYS, 8 * 60, 18 * 60),)
    # January 2027: 1 January is a Friday; 21 weekdays
    assert slot_count(2027, 1, tz=LISBON, interval_minutes=30, windows=office) == 21 * 20
    calendar = MonthCalendar.build(2027, 1, tz=LISBON, interval_minutes=30, windows=office)
    assert calendar.slot(datetime(2027, 1, 2, 10, 0, tzinfo=UTC)) is None  # a Saturday
    assert calendar.slot(datetime(2027, 1, 1, 8, 0, tzinfo=UTC)) == 0
    assert calendar.slot(datetime(2027, 1, 4, 8, 0, tzinfo=UTC)) == 20  # Monday


def test_an_interval_is_in_service_when_its_local_start_is():
    # 08:10 to 09:00 with hourly intervals: the 08:00 interval starts outside the window, the 09:00 one after it
    assert slot_count(2027, 2, tz=LISBON, interval_minutes=60, windows=(ServiceWindow(WEEKDAYS, 490, 540),)) == 0
    assert slot_count(2027, 2, tz=LISBON, interval_minutes=60, windows=(ServiceWindow(WEEKDAYS, 480, 490),)) == 20


def test_another_zone_and_a_month_across_the_year_end():
    assert slot_count(2027, 3, tz="America/New_York", interval_minutes=15) == 31 * 96 - 4
    assert slot_count(2027, 12, tz="UTC", interval_minutes=5) == 31 * 288
    start, end = month_bounds(2027, 12, "Asia/Tokyo")
    assert (start, end) == (datetime(2027, 11, 30, 15, tzinfo=UTC), datetime(2027, 12, 31, 15, tzinfo=UTC))
    assert month_of(datetime(2027, 12, 31, 23, 30, tzinfo=UTC), LISBON) == (2027, 12)
    assert month_of(datetime(2027, 9, 30, 23, 30, tzinfo=UTC), LISBON) == (2027, 10)


def test_the_default_is_24_hour_service():
    assert slot_count(2027, 4, tz=LISBON, interval_minutes=15, windows=ALL_DAY) == 30 * 96


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"interval_minutes": 7}, "interval_minutes"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"tz": "Europe/Atlantis"}, "tz"),
        ({"windows": ()}, "windows"),
        ({"windows": (ServiceWindow(frozenset({7}), 0, 60),)}, "windows[0].weekdays"),
        ({"windows": (ServiceWindow(frozenset({1}), 600, 600),)}, "windows[0].to_minute"),
        ({"windows": (ServiceWindow(frozenset({1}), 0, 1441),)}, "windows[0].to_minute"),
        ({"windows": (ServiceWindow(frozenset({1}), -5, 60),)}, "windows[0].from_minute"),
    ],
)
def test_bad_calendars_are_refused_naming_the_field(kwargs, field):
    arguments = {"tz": LISBON, "interval_minutes": 15, **kwargs}
    with pytest.raises(CalendarInputError) as caught:
        service_slots(2027, 1, **arguments)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_a_naive_moment_is_refused():
    calendar = MonthCalendar.build(2027, 1, tz=LISBON, interval_minutes=60)
    with pytest.raises(CalendarInputError, match="no time zone"):
        calendar.slot(datetime(2027, 1, 1, 10))
