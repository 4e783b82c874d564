"""Money, numbers and dates in the reader's language and the city's locale (docs/languages.md).

Django formats dates and plain numbers from the format modules (civicpact/formats/); money needs the currency's
symbol, its place and its decimals, which CLDR knows and Babel reads. The locale is the active language, with the
city's region when the active language is the city's own (a city set to ``fr-be`` formats French money the Belgian
way; a reader who switched to English gets English formats).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils import formats, timezone, translation


def locale_name(language: str | None = None) -> str:
    """The Babel locale for `language` (the active one by default): `en_GB`, `fr`, `fr_BE`."""
    active = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    city = settings.LANGUAGE_CODE.lower()
    chosen = city if active.split("-")[0] == city.split("-")[0] and "-" not in active else active
    name = translation.to_locale(chosen)
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return translation.to_locale(chosen.split("-")[0])
    return name


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money(value: Any, currency: str | None = None, *, decimals: bool = True) -> str:
    """`1234.5, "EUR"` → `€1,234.50` (English), `1 234,50 €` (French); `—` for no amount.

    `decimals=False` rounds to whole units (`€24,000,000`) for large figures such as budgets and totals.
    """
    amount = _decimal(value)
    if amount is None:
        return "—"
    code = (currency or settings.CIVICPACT_CURRENCY or "EUR").upper()
    locale = locale_name()
    if decimals:
        return str(format_currency(amount, code, locale=locale))
    # the locale's own pattern without its decimals: "¤#,##0" in English, "#,##0 ¤" in French
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return str(format_currency(amount, code, format=pattern, locale=locale, currency_digits=False))


def number(value: Any, digits: int = 0) -> str:
    """A number with the locale's grouping and decimal sign, rounded to `digits` places."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    quantum = Decimal(1).scaleb(-digits)
    return str(format_decimal(amount.quantize(quantum), locale=locale_name(), decimal_quantization=False))


def when(value: date | datetime | None, with_time: bool = False) -> str:
    """A date (or date and time, in the city's time zone) in the active language's format; `—` for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT" if with_time else "DATE_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")
