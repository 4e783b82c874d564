"""The public audit export (/audit/export.json) and a page where anyone can check an export they hold."""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from civicpact.domain.audit_export import ExportFormatError, ExportVerdict, verify_export
from civicpact.ledger.export import audit_export_stream

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def export_response() -> StreamingHttpResponse:
    response = StreamingHttpResponse(audit_export_stream(), content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="audit-export.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every event's link, public payloads included, private payloads withheld (docs/audit-export.md)."""
    return export_response()


class ExportUploadForm(forms.Form):
    export = forms.FileField(
        label=gettext_lazy("Audit export (JSON)"),
        help_text=gettext_lazy(
            "A file downloaded from an audit trail's export link. It is checked here and not kept."
        ),
    )


def check_upload(data: bytes) -> tuple[ExportVerdict | None, str]:
    """The verdict on an uploaded export, or why the file cannot be read."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, _("The file is not JSON (%(error)s). Upload the export exactly as downloaded.") % {"error": exc}
    try:
        return verify_export(document), ""
    except ExportFormatError as exc:
        return None, _("The file is not an audit export: %(error)s.") % {"error": exc}


def audit_export_check(request: HttpRequest) -> HttpResponse:
    """Anyone may upload an export and see whether its chain holds."""
    form = ExportUploadForm(request.POST or None, request.FILES or None)
    verdict, problem = None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["export"]
        if upload.size > MAX_UPLOAD_BYTES:
            problem = _("The file is larger than 50 MB: run `civicpact verify-audit --file` on it instead.")
        else:
            verdict, problem = check_upload(upload.read())
    status = 400 if problem else 200
    return render(
        request,
        "ledger/audit_export_check.html",
        {"form": form, "verdict": verdict, "problem": problem},
        status=status,
    )
