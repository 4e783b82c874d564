"""OCDS release and record packages with this deployment's package metadata (docs/ocds.md).

The metadata comes from settings: the publisher (CIVICPACT_PUBLISHER_NAME, _URI, _SCHEME, _UID), the data's licence
(CIVICPACT_OCDS_LICENSE) and publication policy (CIVICPACT_OCDS_PUBLICATION_POLICY); `version` is 1.1 and
`extensions` the PPP profile's 14 extensions pinned to the versions in the local mirror (`domain.ocds.extension_urls`).
`publishedDate` is the date of the latest release a package holds, as OCDS asks of packages generated on demand, so
the same contents always give the same package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from civicpact.domain import ocds

BULK_PATH = "/api/v1/ocds/bulk/releases.json"


def publisher() -> dict[str, str]:
    entry = {"name": settings.CIVICPACT_PUBLISHER_NAME}
    for key, value in (
        ("scheme", settings.CIVICPACT_PUBLISHER_SCHEME),
        ("uid", settings.CIVICPACT_PUBLISHER_UID),
        ("uri", settings.CIVICPACT_PUBLISHER_URI),
    ):
        if value:
            entry[key] = value
    return entry


def metadata(*, uri: str, published_date: datetime) -> dict[str, Any]:
    """The package metadata, in the order the schema lists it (without the releases or records)."""
    meta: dict[str, Any] = {
        "uri": uri,
        "version": ocds.OCDS_VERSION,
        "extensions": ocds.extension_urls(),
        "publishedDate": ocds.format_date(published_date),
        "publisher": publisher(),
    }
    if settings.CIVICPACT_OCDS_LICENSE:
        meta["license"] = settings.CIVICPACT_OCDS_LICENSE
    if settings.CIVICPACT_OCDS_PUBLICATION_POLICY:
        meta["publicationPolicy"] = settings.CIVICPACT_OCDS_PUBLICATION_POLICY
    return meta


def latest_date(releases: Iterable[Mapping[str, Any]]) -> datetime:
    """The latest release date among `releases`, or now when there are none."""
    dates = [datetime.fromisoformat(str(r["date"]).replace("Z", "+00:00")) for r in releases]
    return max(dates) if dates else timezone.now()


def release_package(
    releases: Sequence[Mapping[str, Any]], *, uri: str, published_date: datetime | None = None
) -> dict[str, Any]:
    date = published_date or latest_date(releases)
    return metadata(uri=uri, published_date=date) | {"releases": [dict(r) for r in releases]}


def record_package(
    records: Sequence[Mapping[str, Any]], *, uri: str, published_date: datetime | None = None
) -> dict[str, Any]:
    """A record package; `records` as `transparency.compiled.record_get` makes them (releases embedded)."""
    date = published_date or latest_date(r for record in records for r in record["releases"])
    return metadata(uri=uri, published_date=date) | {"records": [dict(r) for r in records]}


def with_links(package: dict[str, Any], *, next_url: str | None, prev_url: str | None) -> dict[str, Any]:
    """API pages carry `links` (next/prev), as OCDS 1.1 APIs commonly do; bulk files and exports never do."""
    links = {key: url for key, url in (("next", next_url), ("prev", prev_url)) if url}
    return package | {"links": links} if links else package


def bulk_uri() -> str:
    return settings.CIVICPACT_PUBLIC_URL.rstrip("/") + BULK_PATH
