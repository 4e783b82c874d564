"""Imported OCDS data on the portal (/open/imported/) and the administrators' upload page."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpact.transparency import imported
from civicpact.transparency.imports import ImportRefused, can_import, package_import

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class PackageUploadForm(forms.Form):
    package = forms.FileField(
        label=gettext_lazy("OCDS package (JSON)"),
        help_text=gettext_lazy(
            "A release package or record package, OCDS 1.1, declaring only the OCDS for PPPs profile's "
            "extensions. Everything is checked first; a file with any problem imports nothing."
        ),
    )


def imported_list(request: HttpRequest) -> HttpResponse:
    """Contracting processes imported from other publishers, and the packages they came in."""
    return render(
        request,
        "transparency/imported_list.html",
        {
            "records": imported.imported_record_list(),
            "packages": imported.imported_package_list(),
            "can_import": can_import(request.user),
        },
    )


def imported_detail(request: HttpRequest, ocid: str) -> HttpResponse:
    record = imported.imported_record_get(ocid=ocid)
    if record is None:
        raise Http404("Nothing was imported under this ocid.")
    return render(
        request,
        "transparency/imported_detail.html",
        {"record": record, "compiled_json": json.dumps(record["compiledRelease"], indent=2, ensure_ascii=False)},
    )


@login_required
def imported_upload(request: HttpRequest) -> HttpResponse:
    if not can_import(request.user):
        raise PermissionDenied(_("Only administrators may import OCDS data."))
    form = PackageUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("package", _("The file is larger than 100 MB: import it with `civicpact ocds import`."))
        else:
            try:
                report = package_import(actor=request.user, data=upload.read(), file_name=upload.name)
            except ImportRefused:  # the same refusal as above, in the reader's language
                raise PermissionDenied(_("Only administrators may import OCDS data.")) from None
    status = 422 if report is not None and not report.ok else 200
    return render(request, "transparency/imported_upload.html", {"form": form, "report": report}, status=status)
