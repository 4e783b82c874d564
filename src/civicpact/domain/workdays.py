"""Working days: deadline arithmetic that skips weekends and public holidays.

Pure rules, no Django. A `WorkingCalendar` knows which weekdays are the weekend (Monday is 0, as in
`date.weekday()`) and which dates are holidays; the city's calendar is assembled from the `holidays` library and
the administrator's own days by `civicpact.notifications.calendars`. Adding N working days to a date gives the
N-th working day after it (the start itself never counts, as in "within 10 working days of the notice").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SATURDAY_SUNDAY = frozenset({5, 6})


def weekend_from_names(names: Iterable[str]) -> frozenset[int]:
    """The weekend from day names ("sat", "sun"; case and full names accepted); ValueError names a bad one."""
    days = set()
    for name in names:
        key = name.strip().lower()[:3]
        if key not in WEEKDAY_NAMES:
            raise ValueError(f"{name!r} is not a day of the week: use mon, tue, wed, thu, fri, sat or sun")
        days.add(WEEKDAY_NAMES.index(key))
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are worked: every day but the weekend and the holidays."""

    weekend: frozenset[int] = SATURDAY_SUNDAY
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekend < frozenset(range(7)):
            raise ValueError("The weekend must leave at least one working day in the week (weekdays 0-6).")

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (before it, for a negative number); `start` for 0.

        The holidays are finite and the week has a working day, so the walk ends."""
        step = 1 if days >= 0 else -1
        day, left = start, abs(days)
        while left:
            day += timedelta(days=step)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` comes first)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is worked, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day
