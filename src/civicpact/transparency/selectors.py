"""Reads behind the OCDS API and bulk data. The ledger holds only published releases, so everything here is public.

Pages are fetched one row past their size to know whether a next page exists, so a page costs one query (releases)
or three (records: the cache's freshness, the page's compiled records, then their releases) whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civicpact.ledger.models import Release
from civicpact.transparency import compiled
from civicpact.transparency.models import CompiledRecord


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    number: int
    has_next: bool


def release_page(*, page: int, size: int, since: datetime | None = None, ocid: str = "") -> Page:
    """Releases in date order (then storage order), optionally from `since` on and of one ocid."""
    releases = Release.objects.order_by("date", "pk")
    if since is not None:
        releases = releases.filter(date__gte=since)
    if ocid:
        releases = releases.filter(ocid=ocid)
    start = (page - 1) * size
    bodies = list(releases.values_list("body", flat=True)[start : start + size + 1])
    return Page(items=bodies[:size], number=page, has_next=len(bodies) > size)


def release_get(*, release_id: str) -> dict[str, Any] | None:
    body: dict[str, Any] | None = Release.objects.filter(release_id=release_id).values_list("body", flat=True).first()
    return body


def record_page(*, page: int, size: int, since: datetime | None = None) -> Page:
    """Records in ocid order; with `since`, only those with a release dated from then on. The compiled releases come
    from the cache (`compiled.py`, refreshed first), the embedded releases from the ledger."""
    compiled.records_refresh()
    cached = CompiledRecord.objects.order_by("ocid")
    if since is not None:
        cached = cached.filter(updated__gte=since)  # the newest release is from then on iff any is
    start = (page - 1) * size
    chosen = list(cached.values_list("ocid", "compiled")[start : start + size + 1])
    has_next = len(chosen) > size
    chosen = chosen[:size]
    grouped: dict[str, list[dict[str, Any]]] = {ocid: [] for ocid, _ in chosen}
    if chosen:
        for ocid, body in (
            Release.objects.filter(ocid__in=grouped).order_by("ocid", "date").values_list("ocid", "body")
        ):
            grouped[ocid].append(body)
    items = [{"ocid": ocid, "releases": grouped[ocid], "compiledRelease": body} for ocid, body in chosen]
    return Page(items=items, number=page, has_next=has_next)


def all_releases() -> list[dict[str, Any]]:
    """Every published release, in date order (one query)."""
    return list(Release.objects.order_by("date", "pk").values_list("body", flat=True))


def latest_release_key() -> str:
    """What identifies the ledger's current contents: the newest release's storage id (the ledger only appends)."""
    latest = Release.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str(latest or 0)
