"""Reads of the audit chain and the release store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from civicpact.domain import ocds
from civicpact.domain.audit import ChainVerdict, StoredEvent, verify_chain
from civicpact.ledger.models import AuditEvent, AuditEventQuerySet, ConfidentialityClaim, Release


def audit_event_list(*, include_private: bool) -> AuditEventQuerySet:
    """Newest first; private events only for callers that checked `permissions.can_view_private_audit`.

    The ledger is the lowest layer and imports no app, so the role check is the caller's.
    """
    events = AuditEvent.objects.order_by("-seq")
    return events if include_private else events.public()


def _stored_events() -> Iterator[StoredEvent]:
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield event.as_stored_event()


def audit_chain_verify() -> ChainVerdict:
    """Re-compute the whole chain from the database."""
    return verify_chain(_stored_events())


def release_list(*, ocid: str | None = None) -> Any:
    releases = Release.objects.order_by("ocid", "date")
    if ocid:
        releases = releases.filter(ocid=ocid)
    return releases


def release_package_build(*, releases: list[Release], uri: str) -> dict[str, Any]:
    return ocds.release_package(
        [r.body for r in releases],
        uri=uri,
        published_date=timezone.now(),
        publisher_name=settings.CIVICPACT_PUBLISHER_NAME,
    )


def documents_withheld(*, ocid: str) -> dict[str, ConfidentialityClaim]:
    """{document id: its claim} for the documents of `ocid` withheld today (docs/confidentiality.md). Apps that serve
    a published document's file or title to the public ask this first."""
    if not ocid:
        return {}
    claims = ConfidentialityClaim.objects.in_force(timezone.localdate()).filter(ocid=ocid, kind="document")
    return {c.target: c for c in claims}
