"""What the published releases say was withheld (docs/confidentiality.md), for the portal to show in place.

A withheld field leaves a note in its object's description, written by `domain.redaction.note`:
"Field 'contracts/*/value' withheld: commercial confidentiality, until 2026-06-30." A withheld document keeps its
entry, without `url`, with the same kind of sentence in `accessDetails`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

FIELD_NOTE = re.compile(r"Field '(?P<path>[^']+)' withheld: (?P<why>.+?), until (?P<until>\d{4}-\d{2}-\d{2})\.")


def withheld_fields(obj: Mapping[str, Any] | None) -> dict[str, str]:
    """{field name: "withheld: <reason>, until <date>"} for each withheld field noted in `obj`'s description
    and still absent from `obj` (a later disclosure brings the field back), in the reader's language (the reason
    and the ISO date as published)."""
    out: dict[str, str] = {}
    if not obj:
        return out
    for match in FIELD_NOTE.finditer(str(obj.get("description", ""))):
        name = match["path"].rsplit("/", 1)[-1]
        if name not in obj:
            out[name] = _("withheld: %(reason)s, until %(date)s") % {"reason": match["why"], "date": match["until"]}
    return out
