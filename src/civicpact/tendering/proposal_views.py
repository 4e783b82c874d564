"""Pages for unsolicited proposals: a supplier submits; the PPP unit accepts or declines."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.tendering import proposals
from civicpact.tendering.forms import ProposalDecisionForm, ProposalForm
from civicpact.tendering.models import ProposalStatus, UnsolicitedProposal
from civicpact.tendering.views import _save


def _may_propose(request: HttpRequest) -> bool:
    return any(org.can_bid for org in permissions.supplier_organisations(request.user))


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    if not (permissions.is_city_staff(request.user) or permissions.supplier_organisations(request.user)):
        raise PermissionDenied(_("Unsolicited proposals are for their proponents and city staff."))
    context = {"proposals": proposals.proposals_visible(actor=request.user), "can_propose": _may_propose(request)}
    return render(request, "tendering/proposal_list.html", context)


@login_required
def proposal_create(request: HttpRequest) -> HttpResponse:
    if not _may_propose(request):
        raise PermissionDenied(_("Only users of a verified supplier propose projects."))
    form = ProposalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created: list[UnsolicitedProposal] = []
            status = _save(
                form,
                lambda: created.append(
                    proposals.proposal_submit(actor=permissions.signed_in_user(request), **form.cleaned_data)
                ),
            )
            if not status:
                messages.success(request, _("Your proposal is received. It stays private until the city decides."))
                return redirect("tendering:proposal-detail", pk=created[0].pk)
    return render(request, "tendering/proposal_form.html", {"form": form}, status=status)


def _proposal(request: HttpRequest, pk: int) -> UnsolicitedProposal:
    proposal = proposals.proposals_visible(actor=request.user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    can_decide = permissions.can_manage_tenders(request.user) and proposal.status == ProposalStatus.RECEIVED
    form = ProposalDecisionForm(request.POST or None) if can_decide else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only the PPP unit decides, once."))
        status = 400
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            status = _save(
                form,
                lambda: proposals.proposal_decide(
                    actor=permissions.signed_in_user(request),
                    proposal_id=proposal.pk,
                    accept=data["accept"] == "yes",
                    reasons=data["reasons"],
                    department_id=data["department"].pk if data["department"] else None,
                ),
            )
            if not status:
                messages.success(request, _("The decision is recorded and the proponent can read it."))
                return redirect("tendering:proposal-detail", pk=proposal.pk)
    context = {"proposal": proposal, "form": form, "staff": permissions.is_city_staff(request.user)}
    return render(request, "tendering/proposal_detail.html", context, status=status)
