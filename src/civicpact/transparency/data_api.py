"""The OCDS API (/api/v1/ocds/): release and record packages, paginated, and bulk downloads. Public, no login: the
ledger holds only published releases. Packages are OCDS JSON written as they are (not re-validated by pydantic), so
the responses are plain JSON documents; bad parameters answer 422 in the house error shape, unknown ids 404."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from civicpact.accounts.auth import PUBLIC
from civicpact.transparency import bulk, compiled, packages, selectors

router = Router(tags=["ocds"])

OCDS_JSON = "application/json"


class PageFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    since: str = Field(
        "", description="Only releases dated from this ISO 8601 date or date-time on (UTC unless it says)."
    )

    @field_validator("since")
    @classmethod
    def since_is_iso(cls, value: str) -> str:
        if value:
            _since(value)  # raises ValueError, reported as a 422
        return value


class ReleaseFilters(PageFilters):
    ocid: str = Field("", max_length=100, description="Only the releases of this contracting process.")


class RecordOptions(Schema):
    versioned: bool = Field(False, description="Add the versioned release to the record.")


def _since(value: str) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date-time (UTC unless it carries an offset); None when empty."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "+")  # an unescaped "+" in a query string is a space
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be an ISO 8601 date (2026-01-31) or date-time (2026-01-31T12:00:00Z)") from None
    if len(text) == len("2026-01-31"):
        return datetime.combine(moment.date(), time.min, tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _json(package: dict[str, Any]) -> JsonResponse:
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False}, content_type=OCDS_JSON)


def _paged(request: HttpRequest, package: dict[str, Any], page: selectors.Page) -> JsonResponse:
    if page.number > 1 and not page.items:
        raise Http404(f"There is no page {page.number}.")
    return _json(
        packages.with_links(
            package,
            next_url=_page_url(request, page.number + 1) if page.has_next else None,
            prev_url=_page_url(request, page.number - 1) if page.number > 1 else None,
        )
    )


@router.get(
    "/releases",
    auth=PUBLIC,
    response=dict[str, Any],
    summary="A release package of published releases, a page at a time (links.next / links.prev)",
)
def release_list(request: HttpRequest, filters: Query[ReleaseFilters]) -> JsonResponse:
    page = selectors.release_page(
        page=filters.page, size=settings.CIVICPACT_OCDS_PAGE_SIZE, since=_since(filters.since), ocid=filters.ocid
    )
    package = packages.release_package(page.items, uri=request.build_absolute_uri())
    return _paged(request, package, page)


@router.get("/releases/{release_id}", auth=PUBLIC, response=dict[str, Any], summary="One release, in a package")
def release_detail(request: HttpRequest, release_id: str) -> JsonResponse:
    body = selectors.release_get(release_id=release_id)
    if body is None:
        raise Http404(f"No release has the id {release_id!r}.")
    return _json(packages.release_package([body], uri=request.build_absolute_uri()))


@router.get(
    "/records",
    auth=PUBLIC,
    response=dict[str, Any],
    summary="A record package (releases embedded, compiled releases), a page at a time",
)
def record_list(request: HttpRequest, filters: Query[PageFilters]) -> JsonResponse:
    page = selectors.record_page(
        page=filters.page, size=settings.CIVICPACT_OCDS_PAGE_SIZE, since=_since(filters.since)
    )
    package = packages.record_package(page.items, uri=request.build_absolute_uri())
    return _paged(request, package, page)


@router.get(
    "/records/{ocid}",
    auth=PUBLIC,
    response=dict[str, Any],
    summary="The record of one contracting process (versionedRelease with ?versioned=true), in a package",
)
def record_detail(request: HttpRequest, ocid: str, options: Query[RecordOptions]) -> JsonResponse:
    record = compiled.record_get(ocid=ocid, versioned=options.versioned)
    if record is None:
        raise Http404(f"Nothing is published under the ocid {ocid!r}.")
    return _json(packages.record_package([record], uri=request.build_absolute_uri()))


@router.get(
    "/bulk/releases.json",
    auth=PUBLIC,
    response=dict[str, Any],
    summary="Everything published, as one release package",
)
def bulk_json(request: HttpRequest) -> FileResponse:
    return _file(bulk.BulkFormat.JSON)


@router.get(
    "/bulk/releases.xlsx",
    auth=PUBLIC,
    summary="Everything published, flattened with flattentool (XLSX; the package metadata on the Meta sheet)",
)
def bulk_xlsx(request: HttpRequest) -> FileResponse:
    return _file(bulk.BulkFormat.XLSX)


@router.get(
    "/bulk/releases-csv.zip",
    auth=PUBLIC,
    summary="Everything published, flattened with flattentool (CSV files in a ZIP; the package metadata in Meta.csv)",
)
def bulk_csv(request: HttpRequest) -> FileResponse:
    return _file(bulk.BulkFormat.CSV_ZIP)


def _file(kind: bulk.BulkFormat) -> FileResponse:
    path = bulk.bulk_file(kind)
    return FileResponse(path.open("rb"), content_type=kind.media_type, filename=kind.filename)
