"""`|money` and `|number` for every template (a builtin, see settings.TEMPLATES): see civicpact/l10n.py.

{{ invoice.gross|money:invoice.currency }}   → €1,234.50 / 1 234,50 €
{{ budget|money_whole:"EUR" }}               → €24,000,000 / 24 000 000 €
{{ share|number:1 }}                         → 12.5 / 12,5
"""

from __future__ import annotations

from typing import Any

from django import template

from civicpact import l10n

register = template.Library()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    return l10n.money(value, currency)


@register.filter
def money_whole(value: Any, currency: str | None = None) -> str:
    return l10n.money(value, currency, decimals=False)


@register.filter
def number(value: Any, digits: int = 0) -> str:
    return l10n.number(value, int(digits))
