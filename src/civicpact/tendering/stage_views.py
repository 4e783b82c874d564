"""Pages for multi-stage procedures: close a stage with its down-selection, draft the next stage, and a Swiss
challenge's right to match (offered by the PPP unit, answered by the proponent)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.tendering import stages
from civicpact.tendering.evaluation_views import _act
from civicpact.tendering.forms import TenderForm
from civicpact.tendering.models import Tender, TenderStatus
from civicpact.tendering.views import _save, _tender


@login_required
@require_POST
def stage_close(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    return _act(
        request,
        tender.pk,
        lambda: stages.stage_close(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, reasons=request.POST.get("reasons", "")
        ),
        _("The stage is closed: the suppliers kept are told, and so are the others, with the reason."),
    )


@login_required
def stage_next(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft the next stage from a completed one (its conditions carried over, for the kept suppliers only)."""
    previous = _tender(request, pk)
    if not permissions.can_manage_tenders(request.user):
        raise PermissionDenied(_("Only the PPP unit prepares the next stage."))
    if previous.status != TenderStatus.COMPLETED:
        messages.error(request, _("A next stage follows a stage whose down-selection is recorded."))
        return redirect("tendering:tender-detail", pk=previous.pk)
    initial = {**TenderForm.initial_from(previous), "version": 0}
    for name in ("clarification_deadline", "submission_deadline", "opening_date", "evaluation_end", "standstill_end"):
        initial.pop(name)
    form = TenderForm(request.POST or None, initial=initial, procedure=previous.procedure, after=previous.stage)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created: list[Tender] = []
            status = _save(
                form,
                lambda: created.append(
                    stages.stage_next(
                        actor=permissions.signed_in_user(request),
                        tender_id=previous.pk,
                        publication_date=timezone.now(),
                        **form.tender_fields(),
                    )
                ),
            )
            if not status:
                messages.success(
                    request,
                    _("The next stage is drafted. Only the suppliers kept will be able to bid when you publish."),
                )
                return redirect("tendering:tender-detail", pk=created[0].pk)
    kept_names = ", ".join(entry["name"] for entry in previous.stage_result.kept)
    context: dict[str, Any] = {
        "form": form,
        "project": previous.project,
        "previous": previous,
        "kept_names": kept_names,
    }
    return render(request, "tendering/tender_form.html", context, status=status)


@login_required
@require_POST
def match_offer(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    return _act(
        request,
        tender.pk,
        lambda: stages.swiss_match_offer(actor=permissions.signed_in_user(request), tender_id=tender.pk),
        _("The proponent is told it may match the best competing offer; the award waits for its answer."),
    )


@login_required
@require_POST
def match_respond(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender(request, pk)
    matched = request.POST.get("match") == "yes"
    return _act(
        request,
        tender.pk,
        lambda: stages.swiss_match_respond(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, match=matched
        ),
        _("You matched the best competing offer.") if matched else _("You declined to match; the best offer wins."),
    )
