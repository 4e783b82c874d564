"""The city's working-day calendar: the weekend (`CIVICPACT_WEEKEND`), the public holidays of its country and
subdivision from the `holidays` library (`CIVICPACT_HOLIDAYS_COUNTRY`, `CIVICPACT_HOLIDAYS_SUBDIVISION`), and the
days an administrator added (`CityHoliday`). Part of this app's core: any app may compute deadlines with it."""

from __future__ import annotations

from datetime import date

import holidays as holiday_library
from django.conf import settings

from civicpact.domain.workdays import WorkingCalendar, weekend_from_names
from civicpact.notifications.models import CityHoliday

WORKING_DAYS_A_YEAR_AT_LEAST = 200  # to cover any count of working days with the years' holidays


class HolidaySettingsError(ValueError):
    """The calendar's settings name a country, subdivision or weekday the library does not know."""


def weekend() -> frozenset[int]:
    try:
        return weekend_from_names(settings.CIVICPACT_WEEKEND)
    except ValueError as exc:
        raise HolidaySettingsError(f"CIVICPACT_WEEKEND: {exc}.") from None


def national_holidays(first_year: int, last_year: int) -> dict[date, str]:
    """The public holidays of the configured country and subdivision, by date (none when no country is set)."""
    country = settings.CIVICPACT_HOLIDAYS_COUNTRY
    if not country:
        return {}
    subdivision = settings.CIVICPACT_HOLIDAYS_SUBDIVISION or None
    try:
        found = holiday_library.country_holidays(country, subdiv=subdivision, years=range(first_year, last_year + 1))
    except NotImplementedError:
        raise HolidaySettingsError(
            f"CIVICPACT_HOLIDAYS_COUNTRY={country!r} is not a country the holidays library knows: use an ISO 3166-1 "
            "alpha-2 code such as PT, or leave it empty."
        ) from None
    except ValueError as exc:
        raise HolidaySettingsError(f"CIVICPACT_HOLIDAYS_SUBDIVISION={subdivision!r}: {exc}") from None
    return {day: str(name) for day, name in sorted(found.items())}


def holiday_list(first_year: int, last_year: int) -> list[tuple[date, str, bool]]:
    """(date, name, the city's own day) for the years, in date order."""
    days = [(day, name, False) for day, name in national_holidays(first_year, last_year).items()]
    days += [
        (h.day, h.name, True)
        for h in CityHoliday.objects.filter(day__year__gte=first_year, day__year__lte=last_year).order_by("day")
    ]
    return sorted(days, key=lambda entry: (entry[0], entry[2]))


def working_calendar(first_year: int, last_year: int) -> WorkingCalendar:
    """The city's calendar with the holidays of these years."""
    return WorkingCalendar(
        weekend=weekend(), holidays=frozenset(day for day, _name, _own in holiday_list(first_year, last_year))
    )


def calendar_covering(start: date, days: int) -> WorkingCalendar:
    """The city's calendar with the holidays of every year `days` working days from `start` can reach."""
    years = abs(days) // WORKING_DAYS_A_YEAR_AT_LEAST + 1
    return working_calendar(start.year - years, start.year + years)


def add_working_days(start: date, days: int) -> date:
    """`days` working days after (or, negative, before) `start` in the city's calendar."""
    return calendar_covering(start, days).add_working_days(start, days)
