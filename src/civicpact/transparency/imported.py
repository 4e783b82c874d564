"""Reads of imported OCDS data (docs/ocds-import.md): packages, and records compiled from their releases.

Public: imported data was published by its own publisher. It is kept apart from this publisher's releases and is
never part of this publisher's packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from civicpact.transparency.models import ImportedPackage, ImportedPackageQuerySet, ImportedRelease
from civicpact.transparency.records import compile_release


def imported_package_list() -> ImportedPackageQuerySet:
    """Newest first, each with `release_total`."""
    return ImportedPackage.objects.with_release_counts().select_related("imported_by")


@dataclass(frozen=True)
class ImportedRecordSummary:
    ocid: str
    publisher_name: str
    release_count: int
    latest: Any
    title: str


def imported_record_list() -> list[ImportedRecordSummary]:
    """One line per imported ocid (two queries whatever the number of ocids)."""
    rows = list(
        ImportedRelease.objects.values("ocid", "package__publisher_name")
        .annotate(release_count=Count("pk"), latest=Max("date"))
        .order_by("ocid")
    )
    titles = _titles({r["ocid"] for r in rows})
    return [
        ImportedRecordSummary(
            ocid=r["ocid"],
            publisher_name=r["package__publisher_name"],
            release_count=r["release_count"],
            latest=r["latest"],
            title=titles.get(r["ocid"], ""),
        )
        for r in rows
    ]


def _titles(ocids: set[str]) -> dict[str, str]:
    """The newest title each process gives itself (tender, else planning project, else contract)."""
    titles: dict[str, str] = {}
    for release in ImportedRelease.objects.filter(ocid__in=ocids).order_by("ocid", "date").only("ocid", "body"):
        body = release.body
        title = (
            (body.get("tender") or {}).get("title")
            or ((body.get("planning") or {}).get("project") or {}).get("title")
            or next((c.get("title") for c in body.get("contracts") or [] if c.get("title")), None)
        )
        if title:
            titles[release.ocid] = str(title)
    return titles


def imported_record_get(*, ocid: str) -> dict[str, Any] | None:
    """The record of one imported ocid: its releases as published, the compiled release, and where it came from;
    None when nothing was imported under it."""
    releases = list(ImportedRelease.objects.filter(ocid=ocid).select_related("package").order_by("date", "pk"))
    if not releases:
        return None
    package = releases[-1].package
    bodies = [r.body for r in releases if not r.compiled]
    compiled = compile_release(bodies) if bodies else dict(releases[-1].body)
    return {
        "ocid": ocid,
        "releases": bodies,
        "compiledRelease": compiled,
        "imported": True,
        "publisher": package.publisher,
        "package": {"uri": package.uri, "publishedDate": package.published_date, "digest": package.digest},
    }
