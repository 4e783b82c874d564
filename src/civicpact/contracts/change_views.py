"""Pages for change control: request a change, assess its impact, authorise or reject it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.contracts import changes
from civicpact.contracts.labels import AUTHORITY_LABELS
from civicpact.contracts.models import ChangeRequest, ChangeStatus
from civicpact.contracts.services import ContractError
from civicpact.contracts.views import _contract
from civicpact.domain.contracts import Authority, may_authorise


def _messages_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return " ".join(f"{' '.join(v)}" for v in exc.message_dict.values())
    return " ".join(getattr(exc, "messages", [str(exc)]))


@login_required
@require_POST
def change_request(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    try:
        change = changes.change_request(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
        )
    except (ValidationError, ContractError) as exc:
        messages.error(request, _messages_of(exc))
        return redirect("contracts:contract-detail", pk=contract.pk)
    messages.success(
        request,
        _("Change %(number)s is requested; the contract manager assesses its impact.") % {"number": change.number},
    )
    return redirect("contracts:change-detail", pk=contract.pk, number=change.number)


def _change(contract_pk: int, number: int, request: HttpRequest) -> ChangeRequest:
    contract = _contract(request, contract_pk)
    change = ChangeRequest.objects.filter(contract=contract, number=number).select_related("contract").first()
    if change is None:
        raise Http404("No such change request.")
    return change


@login_required
def change_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    change = _change(pk, number, request)
    held = changes.held_authority(request.user)
    needed = Authority(change.authority) if change.authority else None
    context = {
        "contract": change.contract,
        "change": change,
        "can_assess": permissions.can_manage_contracts(request.user)
        and change.status in (ChangeStatus.REQUESTED, ChangeStatus.ASSESSED),
        "needed_label": AUTHORITY_LABELS[needed] if needed else "",
        "can_decide": change.status == ChangeStatus.ASSESSED and held is not None,
        "may_authorise": held is not None and needed is not None and may_authorise(held, needed),
    }
    return render(request, "contracts/change_detail.html", context)


@login_required
@require_POST
def change_assess(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    change = _change(pk, number, request)
    try:
        changes.change_assess(
            actor=permissions.signed_in_user(request),
            change_id=change.pk,
            cost_change=request.POST.get("cost_change", ""),
            days_change=request.POST.get("days_change", ""),
            risk_impact=request.POST.get("risk_impact", ""),
        )
    except (ValidationError, ContractError) as exc:
        messages.error(request, _messages_of(exc))
    else:
        change.refresh_from_db()
        messages.success(
            request,
            _("Assessed: %(authority)s must authorise it.")
            % {"authority": AUTHORITY_LABELS[Authority(change.authority)]},
        )
    return redirect("contracts:change-detail", pk=pk, number=number)


@login_required
@require_POST
def change_decide(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    change = _change(pk, number, request)
    authorise = request.POST.get("authorise") == "yes"
    try:
        changes.change_decide(
            actor=permissions.signed_in_user(request),
            change_id=change.pk,
            authorise=authorise,
            decision=request.POST.get("decision", ""),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except (ValidationError, ContractError) as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            _("Authorised: the new contract version awaits the parties' signatures.") if authorise else _("Rejected."),
        )
    return redirect("contracts:change-detail", pk=pk, number=number)
