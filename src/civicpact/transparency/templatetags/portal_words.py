"""The portal's OCDS codes in the reader's words: `{% load portal_words %}`.

{{ tender.status|ocds_status }}        → Active / En cours
{{ milestone.status|milestone_status }} → Met / Atteint
{{ finding.subject|red_flag_subject }}  → process / procédure
{{ month.availability|percent }}        → 99.935% / 99,935 %
A status without words is shown as published, with a capital.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import pgettext_lazy

from civicpact.transparency import portal
from civicpact.transparency.models import MILESTONE_STATUS_LABELS, STATUS_LABELS

register = template.Library()


def _words(labels: dict[str, Any], code: Any) -> str:
    text = "" if code is None else str(code)
    return str(labels[text]) if text in labels else text[:1].upper() + text[1:]


@register.filter
def ocds_status(code: Any) -> str:
    return _words(STATUS_LABELS, code)


@register.filter
def milestone_status(code: Any) -> str:
    return _words(MILESTONE_STATUS_LABELS, code)


RED_FLAG_SUBJECTS: dict[str, Any] = {
    "process": pgettext_lazy("red flag subject", "process"),
    "buyer": pgettext_lazy("red flag subject", "buyer"),
    "procuringEntity": pgettext_lazy("red flag subject", "procuring entity"),
    "tenderer": pgettext_lazy("red flag subject", "bidder"),
}


@register.filter
def red_flag_subject(code: Any) -> str:
    """What a red flag is about (`Finding.subject`), in words, lower case."""
    text = "" if code is None else str(code)
    return str(RED_FLAG_SUBJECTS.get(text, text))


@register.filter
def percent(value: Any) -> str:
    """A published percentage with the reader's decimal sign: `99.935%`, `99,935 %`."""
    return portal.percent(value)
