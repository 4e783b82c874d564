"""Pages of the finance hand-off: the invoices (the partner's reference, the analyst's decision), the exports for
the finance system, the index series and a contract's finance terms. Every page checks the role and the object:
an invoice the visitor may not see is a 404, a step they may not take a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.contracts import selectors as contracts
from civicpact.contracts.models import Contract
from civicpact.domain.contracts import ContractStatus
from civicpact.finance import selectors, services
from civicpact.finance.exceptions import FinanceError
from civicpact.finance.forms import ApproveForm, ExportForm, IndexForm, ReferenceForm, RejectForm, TermsForm
from civicpact.finance.models import FinanceExport, IndexSeries, Invoice, InvoiceStatus
from civicpact.util import run_with_form


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    try:
        return selectors.invoice_get(actor=request.user, pk=pk)
    except Invoice.DoesNotExist:
        raise Http404("No such invoice.") from None


def _finance(request: HttpRequest) -> None:
    if not permissions.can_run_finance(request.user):
        raise PermissionDenied(_("Only finance analysts do this."))


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    if not (permissions.can_read_all_invoices(request.user) or permissions.supplier_organisations(request.user)):
        raise PermissionDenied(_("Invoices are for the city's finance and contract staff and the partners."))
    status = request.GET.get("status", "")
    invoices = selectors.invoice_list(actor=request.user, status=status)[:200]
    context = {
        "invoices": invoices,
        "status": status,
        "statuses": InvoiceStatus.choices,
        "can_run": permissions.can_run_finance(request.user),
        # the contracts in force, to reach their finance terms (city staff only)
        "contracts": contracts.contract_list(actor=request.user)
        .filter(status=ContractStatus.ACTIVE)
        .annotate(title=selectors.contract_title(OuterRef("pk")))
        if permissions.can_read_all_invoices(request.user)
        else [],
    }
    return render(request, "finance/invoices.html", context)


def _detail(request: HttpRequest, invoice: Invoice, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    partner = contracts.is_partner(user, invoice.contract)
    decides = permissions.can_approve_invoice(user, invoice) and invoice.status in (
        InvoiceStatus.PENDING,
        InvoiceStatus.AWAITING_INDEX,
    )
    initial = {"version": invoice.version}
    context = {
        "invoice": invoice,
        "statement": invoice.statement,
        "terms": selectors.terms_get(actor=user, contract_id=invoice.contract_id),
        "reference_form": forms.get("reference_form")
        or (ReferenceForm(initial=initial) if partner and invoice.is_open else None),
        "approve_form": ApproveForm(initial=initial) if decides and invoice.status == InvoiceStatus.PENDING else None,
        "reject_form": forms.get("reject_form") or (RejectForm(initial=initial) if decides else None),
        "four_eyes": permissions.can_run_finance(user) and not permissions.can_approve_invoice(user, invoice),
        "can_see_terms": permissions.can_read_all_invoices(user),
        "error": forms.get("error", ""),
    }
    return render(request, "finance/invoice.html", context, status=status)


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _invoice(request, pk))


@login_required
@require_POST
def invoice_reference(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if not contracts.is_partner(request.user, invoice.contract):
        raise PermissionDenied(_("Only the contract's partner gives its invoice reference."))
    form = ReferenceForm(request.POST)
    status = 400
    if form.is_valid():
        status = run_with_form(
            form,
            lambda: services.invoice_reference(
                actor=permissions.signed_in_user(request),
                invoice_id=invoice.pk,
                expected_version=form.cleaned_data["version"],
                reference=form.cleaned_data["reference"],
            ),
            (FinanceError,),
        )
        if not status:
            messages.success(request, _("Your invoice number is recorded; the city's finance analysts check it."))
            return redirect("finance:invoice", pk=invoice.pk)
    return _detail(request, _invoice(request, pk), status=status, reference_form=form)


@login_required
@require_POST
def invoice_approve(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    _finance(request)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, invoice, status=400, error=_("Reload the page and approve again."))
    try:
        services.invoice_approve(
            actor=permissions.signed_in_user(request),
            invoice_id=invoice.pk,
            expected_version=form.cleaned_data["version"],
        )
    except FinanceError as exc:
        return _detail(request, _invoice(request, pk), status=409, error=str(exc))
    messages.success(request, _("The invoice is approved: the next export sends it to the finance system."))
    return redirect("finance:invoice", pk=invoice.pk)


@login_required
@require_POST
def invoice_reject(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    _finance(request)
    form = RejectForm(request.POST)
    status = 400
    if form.is_valid():
        status = run_with_form(
            form,
            lambda: services.invoice_reject(
                actor=permissions.signed_in_user(request),
                invoice_id=invoice.pk,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
            (FinanceError,),
        )
        if not status:
            messages.success(request, _("The invoice is rejected; the partner sees your reason."))
            return redirect("finance:invoice", pk=invoice.pk)
    return _detail(request, _invoice(request, pk), status=status, reject_form=form)


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    _finance(request)
    form = ExportForm(request.POST or None, initial={"since": timezone.localdate().replace(day=1)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            made: list[FinanceExport] = []
            status = run_with_form(
                form,
                lambda: made.append(
                    services.export_create(
                        actor=permissions.signed_in_user(request),
                        since=data["since"],
                        fmt=data["format"],
                        again=data["again"],
                    )
                ),
                (FinanceError,),
            )
            if not status:
                messages.success(
                    request,
                    _("Export #%(number)s holds %(count)s invoice(s): download it below.")
                    % {"number": made[0].pk, "count": made[0].count},
                )
                return redirect("finance:exports")
    context = {
        "form": form,
        "exports": selectors.export_list(actor=request.user)[:50],
        "waiting": selectors.invoice_list(actor=request.user, status=InvoiceStatus.APPROVED)
        .filter(exported_at__isnull=True)
        .count(),
    }
    return render(request, "finance/exports.html", context, status=status)


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        export = selectors.export_get(actor=request.user, pk=pk)
    except FinanceExport.DoesNotExist:
        raise Http404("No such export.") from None
    kind = "text/csv; charset=utf-8" if export.format == "csv" else "application/json"
    response = HttpResponse(export.content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response


@login_required
def index_series(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_all_invoices(request.user):
        raise PermissionDenied(_("Index series are kept by the city's finance analysts."))
    can_run = permissions.can_run_finance(request.user)
    if request.method == "POST" and not can_run:
        raise PermissionDenied(_("Only finance analysts import index series."))
    form = IndexForm(request.POST or None, request.FILES or None) if can_run else None
    status, problems = 200, []
    if request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text (a CSV is expected)."))
            else:
                reports: list[services.IndexReport] = []
                status = run_with_form(
                    form,
                    lambda: reports.append(
                        services.index_import(
                            actor=permissions.signed_in_user(request),
                            series_key=form.cleaned_data["series"],
                            text=text,
                            name=form.cleaned_data["name"],
                        )
                    ),
                    (FinanceError,),
                )
                if not status and reports[0].ok:
                    report = reports[0]
                    messages.success(
                        request,
                        _("%(added)s value(s) added, %(unchanged)s already stored; %(repriced)s invoice(s) re-priced.")
                        % {"added": report.added, "unchanged": report.unchanged, "repriced": report.repriced},
                    )
                    return redirect("finance:index-series")
                if not status:
                    problems, status = reports[0].problems, 400
                    form.add_error(
                        "file",
                        _("Nothing was imported: %(count)s problem(s), listed below.") % {"count": len(problems)},
                    )
    series = [(s, list(s.values.all())[-12:]) for s in selectors.series_list(actor=request.user)]
    context = {"form": form, "series": series, "problems": problems}
    return render(request, "finance/index_series.html", context, status=status)


@login_required
def terms_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contract = contracts.contract_get(actor=request.user, pk=pk)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None
    if not permissions.can_read_all_invoices(request.user):
        raise PermissionDenied(_("A contract's finance terms are for the city's finance and contract staff."))
    can_run = permissions.can_run_finance(request.user)
    if request.method == "POST" and not can_run:
        raise PermissionDenied(_("Only finance analysts set a contract's finance terms."))
    terms = selectors.terms_get(actor=request.user, contract_id=contract.pk)
    initial = {
        "version": terms.version if terms else 0,
        "budget_line": terms.budget_line if terms else "",
        "vat_percent": terms.vat_percent if terms else None,
        "payment_days": terms.payment_days if terms else None,
        "index_series": terms.index_series.key if terms and terms.index_series else "",
        "index_base_month": terms.index_base_month if terms else "",
        "index_base_date": terms.index_base_date if terms else None,
    }
    keys = list(IndexSeries.objects.values_list("key", flat=True))
    form = TermsForm(request.POST or None, initial=initial, series=keys) if can_run else None
    status = 200
    if request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            status = run_with_form(
                form,
                lambda: services.terms_save(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    expected_version=data["version"],
                    vat_percent=data["vat_percent"],
                    payment_days=data["payment_days"],
                    budget_line=data["budget_line"],
                    index_series_key=data["index_series"],
                    index_base_month=data["index_base_month"],
                    index_base_date=data["index_base_date"],
                ),
                (FinanceError,),
            )
            if not status:
                messages.success(request, _("The finance terms are saved; invoices not yet approved are re-priced."))
                return redirect("finance:terms", pk=contract.pk)
    context = {
        "contract": contract,
        "terms": terms,
        "form": form,
        "default_vat": services.default_vat_percent(),
        "default_days": services.default_payment_days(),
        "invoices": selectors.invoice_list(actor=request.user, contract_id=contract.pk)[:50],
    }
    return render(request, "finance/terms.html", context, status=status)
