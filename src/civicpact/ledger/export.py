"""The public export of the audit chain (docs/audit-export.md), streamed so that a long chain never sits in memory.

Every event appears, in order: public ones whole, private ones as their link only (never their payload or salt), so
anyone can re-compute the chain with `civicpact verify-audit --file`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from civicpact.domain.audit import GENESIS_HASH
from civicpact.domain.audit_export import export_event, export_header
from civicpact.ledger.models import AuditEvent

CHUNK = 2000


def _head() -> tuple[int, str]:
    """The newest event when the export starts; events appended while it streams wait for the next export."""
    newest = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return newest if newest is not None else (0, GENESIS_HASH)


def audit_export_stream() -> Iterator[str]:
    """The export as JSON text, in pieces: the header, then one line per event."""
    head_seq, head_hash = _head()
    header = export_header(
        publisher=settings.CIVICPACT_PUBLISHER_NAME,
        exported_at=timezone.now(),
        head_seq=head_seq,
        head_hash=head_hash,
    )
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "events": ['
    events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq").iterator(chunk_size=CHUNK)
    for index, event in enumerate(events):
        item = export_event(event.as_stored_event(), public=event.public)
        yield ("\n" if index == 0 else ",\n") + json.dumps(item, ensure_ascii=False, sort_keys=False)
    yield "\n]}\n"


def audit_export_document() -> dict[str, Any]:
    """The whole export as one dictionary (tests and small chains)."""
    document: dict[str, Any] = json.loads("".join(audit_export_stream()))
    return document
