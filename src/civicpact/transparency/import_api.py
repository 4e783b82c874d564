"""API operations for imported OCDS data, added to the OCDS router (/api/v1/ocds/) by transparency/api.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from civicpact.accounts import permissions
from civicpact.accounts.auth import PUBLIC
from civicpact.transparency import imported
from civicpact.transparency.import_views import MAX_UPLOAD_BYTES
from civicpact.transparency.imports import ImportRefused, can_import, package_import


class ProblemOut(Schema):
    path: str
    message: str


class ImportReportOut(Schema):
    ok: bool
    file_name: str
    digest: str
    kind: str
    imported: bool
    already_imported: bool
    package_id: int | None
    release_count: int
    problems: list[ProblemOut]


class ImportedPackageOut(Schema):
    id: int
    kind: str
    uri: str
    published_date: str
    publisher_name: str
    version: str
    extensions: list[str]
    digest: str
    imported_at: datetime
    release_total: int


def add_import_operations(router: Router) -> None:
    @router.get(
        "/imports",
        response=list[ImportedPackageOut],
        auth=PUBLIC,
        summary="Packages imported from other publishers, newest first",
    )
    def imported_packages(request: HttpRequest) -> Any:
        return imported.imported_package_list()

    @router.post(
        "/imports",
        response={201: ImportReportOut, 200: ImportReportOut, 422: ImportReportOut},
        summary="Import an OCDS release or record package (administrators; multipart 'file'); all or nothing",
    )
    def import_package(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
        user = permissions.signed_in_user(request)
        if not can_import(user):
            raise PermissionDenied("Only administrators may import OCDS data.")
        if file.size is not None and file.size > MAX_UPLOAD_BYTES:
            raise HttpError(413, "The file is larger than 100 MB: import it with `civicpact ocds import`.")
        try:
            report = package_import(actor=user, data=file.read(), file_name=file.name or "")
        except ImportRefused as exc:
            raise PermissionDenied(str(exc)) from None
        status = 422 if not report.ok else 200 if report.already_imported else 201
        return Status(status, report.as_dict())

    @router.get(
        "/imported/{ocid}",
        response=dict[str, Any],
        auth=PUBLIC,
        summary="The record of an imported contracting process (its own publisher's releases, compiled)",
    )
    def imported_record(request: HttpRequest, ocid: str) -> Any:
        record = imported.imported_record_get(ocid=ocid)
        if record is None:
            raise Http404("Nothing was imported under this ocid.")
        return record
