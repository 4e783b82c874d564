from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.contracts import governance, selectors, services
from civicpact.contracts.forms import (
    AmendForm,
    ContractDocumentForm,
    ContractEntryForm,
    MilestonePlanForm,
    MilestoneReportForm,
    SignForm,
    TermsForm,
    milestone_lines,
)
from civicpact.contracts.models import Contract, ContractDocument, Milestone
from civicpact.domain.contracts import ContractStatus
from civicpact.domain.governance import days_left
from civicpact.util import run_with_form


def _contract(request: HttpRequest, pk: int) -> Contract:
    try:
        return selectors.contract_get(actor=request.user, pk=pk)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None


def _save(form: Any, save: Any) -> int:
    return run_with_form(form, save, (services.ContractError,))


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    if not (permissions.can_view_all_contracts(request.user) or permissions.supplier_organisations(request.user)):
        raise PermissionDenied(_("Contracts are for city staff and the contracts' own partners."))
    contracts = list(selectors.contract_list(actor=request.user))
    context = {
        "contracts": [(c, c.latest) for c in contracts],
        "can_manage": permissions.can_manage_contracts(request.user),
    }
    return render(request, "contracts/contract_list.html", context)


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_contracts(request.user):
        raise PermissionDenied(_("Only contract managers and the PPP unit enter contracts."))
    form = ContractEntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created: list[Contract] = []
            status = _save(
                form,
                lambda: created.append(
                    services.contract_create(
                        actor=permissions.signed_in_user(request),
                        project_id=form.cleaned_data["project"].pk,
                        parties=form.parties(),
                        **form.terms(),
                    )
                ),
            )
            if not status:
                messages.success(
                    request, _("The contract is entered. Record each party's signature to bring it into force.")
                )
                return redirect("contracts:contract-detail", pk=created[0].pk)
    return render(request, "contracts/contract_form.html", {"form": form}, status=status)


def _sign_forms(request: HttpRequest, contract: Contract, version: Any, bound: Any = None) -> list[tuple[Any, Any]]:
    """A signing form for each unsigned party the visitor may sign for (its own; every one for the city)."""
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE) or version.number != contract.version:
        return []
    user = request.user
    manager = permissions.can_manage_contracts(user)
    own = {org.pk for org in permissions.supplier_organisations(user)}
    full_name = getattr(user, "full_name", "") or getattr(user, "username", "")
    forms = []
    for row in version.party_rows:
        organisation = int(row["organisation"])
        if row["signature"] is not None or not (manager or organisation in own):
            continue
        if bound is not None and int(bound.data.get(f"p{organisation}-organisation", 0) or 0) == organisation:
            forms.append((row, bound))
            continue
        initial = {"organisation": organisation, "signatory_name": "" if manager else full_name}
        forms.append((row, SignForm(prefix=f"p{organisation}", initial=initial)))
    return forms


def contract_context(request: HttpRequest, contract: Contract, **extra: Any) -> dict[str, Any]:
    latest = contract.latest
    manager = permissions.can_manage_contracts(request.user)
    blockers: list[str] = []
    if contract.award is not None and contract.in_force is None:
        from civicpact.tendering.evaluation import signature_blockers

        blockers = signature_blockers(contract.award.tender)
    active_party = contract.status == ContractStatus.ACTIVE and (
        manager or selectors.is_partner(request.user, contract)
    )
    return {
        "contract": contract,
        "latest": latest,
        "current": contract.current,
        "versions": list(contract.versions.order_by("-number")),
        "can_manage": manager,
        "blockers": blockers,
        "sign_forms": _sign_forms(request, contract, latest, extra.get("sign_form")),
        "can_request_change": active_party,
        "documents": list(contract.documents.all()),
        "milestones": list(contract.milestones.all()),
        "milestone_form": extra.get("milestone_form")
        or (
            MilestonePlanForm(initial={"lines": milestone_lines(contract.milestones.filter(actual_date__isnull=True))})
            if manager and contract.status in (ContractStatus.DRAFT, ContractStatus.ACTIVE)
            else None
        ),
        "can_report": active_party,
        "document_form": extra.get("document_form") or (ContractDocumentForm() if manager else None),
        "days_left": days_left(latest.end_date, timezone.localdate()),
        "can_read_governance": governance.can_read(request.user, contract),
    }


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return render(request, "contracts/contract_detail.html", contract_context(request, contract))


@login_required
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    contract = _contract(request, pk)
    version = contract.versions.filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    return render(request, "contracts/version_detail.html", {"contract": contract, "version": version})


@login_required
def contract_amend(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not permissions.can_manage_contracts(request.user):
        raise PermissionDenied(_("Only contract managers and the PPP unit amend contracts."))
    initial = {**TermsForm.initial_from(contract.latest), "version": contract.version}
    form = AmendForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            status = _save(
                form,
                lambda: services.contract_amend(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    expected_version=form.cleaned_data["version"],
                    rationale=form.cleaned_data["rationale"],
                    details=form.cleaned_data["details"],
                    parties=form.parties(),
                    **form.terms(),
                ),
            )
            if not status:
                messages.success(
                    request, _("The new version is recorded; it comes into force once every party signs it.")
                )
                return redirect("contracts:contract-detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html", {"form": form, "contract": contract}, status=status)


@login_required
@require_POST
def contract_sign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    organisation = int(request.POST.get("organisation", 0) or 0)
    prefix = next((k.split("-", 1)[0] for k in request.POST if k.endswith("-organisation")), "")
    form = SignForm(request.POST, prefix=prefix or None)
    status = 400
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        status = _save(
            form,
            lambda: services.contract_sign(
                actor=permissions.signed_in_user(request),
                contract_id=contract.pk,
                number=contract.version,
                organisation_id=organisation,
                signatory_name=form.cleaned_data["signatory_name"],
                signatory_title=form.cleaned_data["signatory_title"],
                signed_at=form.cleaned_data["signed_at"],
            ),
        )
        if not status:
            contract.refresh_from_db()
            messages.success(
                request,
                _("The signature is recorded. Version %(number)s is in force.") % {"number": contract.in_force}
                if contract.in_force == contract.version
                else _("The signature is recorded; the other parties must sign too."),
            )
            return redirect("contracts:contract-detail", pk=contract.pk)
    return render(
        request, "contracts/contract_detail.html", contract_context(request, contract, sign_form=form), status=status
    )


@login_required
@require_POST
def document_attach(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = ContractDocumentForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        status = _save(
            form,
            lambda: services.contract_document_attach(
                actor=permissions.signed_in_user(request),
                contract_id=contract.pk,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                document_type=form.cleaned_data["document_type"],
            ),
        )
        if not status:
            messages.success(request, _("The document is attached."))
            return redirect("contracts:contract-detail", pk=contract.pk)
    context = contract_context(request, contract, document_form=form)
    return render(request, "contracts/contract_detail.html", context, status=status)


@login_required
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    contract = _contract(request, pk)
    document = ContractDocument.objects.filter(contract=contract, pk=document_pk).first()
    if document is None:
        raise Http404("No such document.")
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=name, content_type=document.content_type
    )


@login_required
@require_POST
def milestones_plan(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = MilestonePlanForm(request.POST)
    status = 400
    if form.is_valid():
        status = _save(
            form,
            lambda: services.milestones_plan(
                actor=permissions.signed_in_user(request), contract_id=contract.pk, items=form.cleaned_data["lines"]
            ),
        )
        if not status:
            messages.success(request, _("The milestones are planned."))
            return redirect("contracts:contract-detail", pk=contract.pk)
    context = contract_context(request, contract, milestone_form=form)
    return render(request, "contracts/contract_detail.html", context, status=status)


def _milestone(contract: Contract, milestone_pk: int) -> Milestone:
    milestone = contract.milestones.filter(pk=milestone_pk).first()
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


@login_required
@require_POST
def milestone_report(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    milestone = _milestone(contract, milestone_pk)
    form = MilestoneReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the milestone was achieved (YYYY-MM-DD)."))
        return redirect("contracts:contract-detail", pk=contract.pk)
    try:
        services.milestone_report(
            actor=permissions.signed_in_user(request),
            milestone_id=milestone.pk,
            actual_date=form.cleaned_data["actual_date"],
        )
    except (services.ContractError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("“%(title)s” is reported achieved; it awaits the city's acceptance.") % {"title": milestone.title},
        )
    return redirect("contracts:contract-detail", pk=contract.pk)


@login_required
@require_POST
def milestone_decide(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    milestone = _milestone(contract, milestone_pk)
    accept = request.POST.get("accept") == "yes"
    try:
        decided = services.milestone_decide(
            actor=permissions.signed_in_user(request),
            milestone_id=milestone.pk,
            accept=accept,
            note=request.POST.get("note", ""),
        )
    except (services.ContractError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("“%(title)s” is accepted; %(amount)s is payable.")
            % {"title": decided.title, "amount": l10n.money(decided.payable)}
            if accept
            else _("“%(title)s” is refused; the partner is to report it again.") % {"title": decided.title},
        )
    return redirect("contracts:contract-detail", pk=contract.pk)
