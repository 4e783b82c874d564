"""Red-flag pages: the public summary (/open/red-flags/) and the auditors' evidence (/open/red-flags/evidence/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.transparency import redflags


def red_flag_summary(request: HttpRequest) -> HttpResponse:
    """Everyone: counts per indicator and the flagged processes, with plain explanations."""
    report = redflags.red_flag_report()
    return render(
        request,
        "transparency/red_flags.html",
        {
            "summary": redflags.red_flag_summary(report),
            "sees_evidence": permissions.can_view_private_audit(request.user),
        },
    )


@login_required
def red_flag_evidence(request: HttpRequest) -> HttpResponse:
    """Auditors and administrators: every finding with its values and links."""
    if not permissions.can_view_private_audit(request.user):
        raise PermissionDenied(_("Only auditors and administrators see the red flags' evidence."))
    report = redflags.red_flag_report()
    return render(
        request,
        "transparency/red_flags_evidence.html",
        {
            "evidence": redflags.red_flag_evidence(report),
            "summary": redflags.red_flag_summary(report),
            "fences": redflags.fence_rows(report),
            "thresholds": redflags.thresholds(),
        },
    )
