from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.ledger import selectors


def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail: public events for everyone, every event for auditors and administrators."""
    events = selectors.audit_event_list(include_private=permissions.can_view_private_audit(request.user))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/audit_list.html",
        {
            "page": page,
            "events": page.object_list,
            "sees_private": permissions.can_view_private_audit(request.user),
        },
    )


@login_required
def audit_verify(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_private_audit(request.user):
        raise PermissionDenied(_("Only auditors and administrators may run a full verification."))
    verdict = selectors.audit_chain_verify()
    return render(request, "ledger/audit_verify.html", {"verdict": verdict})
