"""Settings checks: a misspelt holiday country or weekend day stops `manage.py check` with what to fix."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from civicpact.notifications.calendars import HolidaySettingsError, national_holidays, weekend


@register()
def calendar_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    try:
        weekend()
    except HolidaySettingsError as exc:
        errors.append(Error(str(exc), id="civicpact.E101"))
    try:
        national_holidays(2026, 2026)
    except HolidaySettingsError as exc:
        errors.append(Error(str(exc), id="civicpact.E102"))
    try:
        hours = [int(h) for h in settings.CIVICPACT_REMINDER_HOURS]
        if not hours or min(hours) <= 0:
            raise ValueError
    except ValueError:
        errors.append(
            Error(
                f"CIVICPACT_REMINDER_HOURS must list positive whole hours, e.g. 168,24 (got "
                f"{','.join(settings.CIVICPACT_REMINDER_HOURS)!r}).",
                id="civicpact.E103",
            )
        )
    return errors
