"""The service calendar: a month's measurement intervals in the contract's local time, numbered as slots.

A measurement interval is a stretch of local wall-clock time of `interval_minutes` (which divides a day), starting
at local midnight: 00:00, 00:15, 00:30 ... for quarter-hours. An interval is a **service interval** of an asset
class when its local start falls inside one of the class's service windows on that weekday (windows are given as
plain data, `ServiceWindow`; the regime parser converts its `service_hours` into them; several windows are
united). The month's service intervals, in time order, are numbered `0 ... S-1`: the **slot** of the stored
interval rows (docs/performance-regime.md, "Telemetry as interval rows").

Daylight saving time is handled in wall-clock time:
- in the spring the skipped local hour has no intervals (a 24-hour day has 92 quarter-hours);
- in the autumn the repeated local hour has its intervals twice, first those before the clocks go back, then
  those after (a 24-hour day has 100 quarter-hours), so a slot's UTC start always rises with its number.
An interval whose local start does not exist (inside a skipped hour) is not an interval. Each interval lasts
`interval_minutes` of real (UTC) time from its UTC start: where the zone changes its offset on an interval boundary
(every zone does, for intervals up to 30 minutes) the intervals tile the day without gaps or overlaps.

Months are local months: a timestamp belongs to the month of its local date in the contract's time zone.
"""

from __future__ import annotations

import bisect
import calendar as _calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 1440


class CalendarInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ServiceWindow:
    """Local service hours on some weekdays: [from_minute, to_minute) of the day; 1440 is midnight at its end."""

    weekdays: frozenset[int]  # 0 = Monday ... 6 = Sunday
    from_minute: int = 0
    to_minute: int = MINUTES_PER_DAY

    def covers(self, weekday: int, minute: int) -> bool:
        return weekday in self.weekdays and self.from_minute <= minute < self.to_minute


ALL_DAY: tuple[ServiceWindow, ...] = (ServiceWindow(frozenset(range(7))),)  # 24-hour service, every day


def validate_windows(windows: Sequence[ServiceWindow], *, field: str = "windows") -> None:
    if not windows:
        raise CalendarInputError(field, f"{field}: give at least one service window")
    for i, window in enumerate(windows):
        where = f"{field}[{i}]"
        if not window.weekdays or not window.weekdays <= frozenset(range(7)):
            raise CalendarInputError(
                f"{where}.weekdays",
                f"{where}.weekdays: give days from 0 (Monday) to 6 (Sunday), not {sorted(window.weekdays)}",
            )
        if not 0 <= window.from_minute < MINUTES_PER_DAY:
            raise CalendarInputError(
                f"{where}.from_minute",
                f"{where}.from_minute: {window.from_minute} is not a minute of the day (0 ... 1439)",
            )
        if not window.from_minute < window.to_minute <= MINUTES_PER_DAY:
            raise CalendarInputError(
                f"{where}.to_minute",
                f"{where}.to_minute: {window.to_minute} must be after from_minute ({window.from_minute}) "
                "and at most 1440",
            )


def validate_interval(interval_minutes: int, *, field: str = "interval_minutes") -> None:
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int) or interval_minutes <= 0:
        raise CalendarInputError(field, f"{field}: {interval_minutes!r} is not a positive whole number of minutes")
    if MINUTES_PER_DAY % interval_minutes:
        raise CalendarInputError(field, f"{field}: {interval_minutes} minutes does not divide a day (1440 minutes)")


def zone(tz: str, *, field: str = "tz") -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarInputError(field, f"{field}: {tz!r} is not a known time zone") from exc


def month_key(year: int, month: int) -> str:
    """The month as the partitions name it: YYYY-MM."""
    return f"{year:04d}-{month:02d}"


def month_of(moment: datetime, tz: str) -> tuple[int, int]:
    """The local (year, month) of an aware moment in the time zone."""
    local = _aware(moment, "moment").astimezone(zone(tz))
    return local.year, local.month


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_bounds(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """The month's UTC start and end (exclusive): local midnight of its first day and of the next month's."""
    zi = zone(tz)
    after = next_month(year, month)
    return _local_midnight(date(year, month, 1), zi), _local_midnight(date(*after, 1), zi)


def service_slots(
    year: int,
    month: int,
    *,
    tz: str,
    interval_minutes: int,
    windows: Sequence[ServiceWindow] = ALL_DAY,
) -> list[datetime]:
    """The UTC starts of the month's service intervals, in time order: the slots 0 ... S-1."""
    validate_interval(interval_minutes)
    validate_windows(windows)
    if not 1 <= month <= 12:
        raise CalendarInputError("month", f"month: {month} is not a month (1 ... 12)")
    zi = zone(tz)
    starts: list[datetime] = []
    for day in range(1, _calendar.monthrange(year, month)[1] + 1):
        local_day = date(year, month, day)
        weekday = local_day.weekday()
        for minute in range(0, MINUTES_PER_DAY, interval_minutes):
            if not any(window.covers(weekday, minute) for window in windows):
                continue
            wall = datetime(year, month, day) + timedelta(minutes=minute)  # noqa: DTZ001 (local wall-clock time)
            starts.extend(_wall_to_utc(wall, zi))
    starts.sort()
    return starts


def slot_count(
    year: int, month: int, *, tz: str, interval_minutes: int, windows: Sequence[ServiceWindow] = ALL_DAY
) -> int:
    """S: the number of the month's service intervals."""
    return len(service_slots(year, month, tz=tz, interval_minutes=interval_minutes, windows=windows))


@dataclass(frozen=True)
class MonthCalendar:
    """One month's service intervals of one asset class: slot numbers to UTC starts and back."""

    year: int
    month: int
    tz: str
    interval_minutes: int
    starts: tuple[datetime, ...]  # UTC, rising: starts[slot]
    _keys: tuple[float, ...] = field(repr=False, compare=False, default=())

    @classmethod
    def build(
        cls,
        year: int,
        month: int,
        *,
        tz: str,
        interval_minutes: int,
        windows: Sequence[ServiceWindow] = ALL_DAY,
    ) -> MonthCalendar:
        starts = tuple(service_slots(year, month, tz=tz, interval_minutes=interval_minutes, windows=windows))
        return cls(year, month, tz, interval_minutes, starts, tuple(s.timestamp() for s in starts))

    @property
    def key(self) -> str:
        return month_key(self.year, self.month)

    @property
    def slots(self) -> int:
        """S."""
        return len(self.starts)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    def bounds(self) -> tuple[datetime, datetime]:
        return month_bounds(self.year, self.month, self.tz)

    def slot(self, moment: datetime) -> int | None:
        """The slot whose interval holds the moment, or None outside the month's service intervals."""
        when = _aware(moment, "moment").timestamp()
        keys = self._keys or tuple(s.timestamp() for s in self.starts)
        i = bisect.bisect_right(keys, when) - 1
        if i < 0 or when >= keys[i] + self.interval_minutes * 60:
            return None
        return i

    def slot_start(self, slot: int) -> datetime:
        return self.starts[slot]

    def slot_local(self, slot: int) -> datetime:
        """The slot's start in local time (its fold says which of a repeated autumn hour)."""
        return self.starts[slot].astimezone(zone(self.tz))


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarInputError(field, f"{field}: {moment.isoformat()} has no time zone")
    return moment


def _wall_to_utc(wall: datetime, zi: ZoneInfo) -> list[datetime]:
    """The UTC moments a local wall-clock time stands for: none (skipped), one, or two (repeated), in order."""
    found: list[datetime] = []
    for fold in (0, 1):
        utc = wall.replace(tzinfo=zi, fold=fold).astimezone(UTC)
        if utc.astimezone(zi).replace(tzinfo=None) == wall and utc not in found:
            found.append(utc)
    found.sort()
    return found


def _local_midnight(day: date, zi: ZoneInfo) -> datetime:
    """The UTC moment of local midnight (or, where midnight is skipped, the first local moment of the day)."""
    wall = datetime(day.year, day.month, day.day)  # noqa: DTZ001 (local wall-clock time)
    moments = _wall_to_utc(wall, zi)
    if moments:
        return moments[0]
    # midnight skipped by a spring-forward at 00:00: the day starts when the clocks jump, at the earlier offset
    return wall.replace(tzinfo=zi, fold=0).astimezone(UTC)
