"""The finance hand-off through the API (/api/v1/finance/): invoices (the partner reads its own and gives its
reference; finance analysts approve or reject), exports for the finance system, and the finance system's payment
confirmations. Refusals: 403 (role), 404 (an invoice the caller may not see), 409 (a stale version or a step that
does not apply), 422 (bad input; for payments, every line that does not match an approved invoice)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicpact.accounts import permissions
from civicpact.finance import selectors, services
from civicpact.finance.exceptions import FinanceError
from civicpact.finance.models import FinanceExport, Invoice
from civicpact.pagination import PageNumberPagination

router = Router(tags=["finance"])


class InvoiceOut(Schema):
    id: int
    version: int = Field(description="Send it back with a change; a newer one refuses (409)")
    status: str = Field(description="awaiting_index, pending, rejected, approved or paid")
    kind: str = Field(description="invoice, or credit_note when the amounts are negative")
    contract_id: int
    statement_id: int
    month: str
    currency: str
    base_amount: Decimal = Field(description="The statement's amount (a correction's difference)")
    net: Decimal = Field(description="The amount indexed, before VAT")
    vat_percent: Decimal
    vat: Decimal
    gross: Decimal
    indexation: dict[str, str] | None
    invoice_date: date
    received_on: date
    due_date: date
    supplier_reference: str
    decision_reason: str = Field(description="Why it was rejected")
    approved_at: datetime | None
    exported_at: datetime | None
    paid_on: date | None
    paid_amount: Decimal | None
    payment_reference: str


class VersionIn(Schema):
    version: int = Field(description="The invoice's version you read")


class ReferenceIn(VersionIn):
    reference: str = Field(description="Your own invoice number (1 to 100 characters)")


class RejectIn(VersionIn):
    reason: str = Field(description="Why, for the partner")


class ExportIn(Schema):
    since: date = Field(description="Invoices approved on or after this day")
    format: str = Field(description="csv or json")
    again: bool = Field(False, description="Include invoices already exported (and paid)")


class ExportOut(Schema):
    id: int
    since: date
    format: str
    again: bool
    count: int
    invoice_ids: list[int]
    sha256: str
    created_at: datetime
    file: str = Field(description="Where to download the file as it was exported")


class PaymentIn(Schema):
    invoice_id: int
    paid_on: str = Field(description="YYYY-MM-DD")
    amount: str = Field(description="Decimal text, e.g. 123000.00: the invoice's gross amount")
    currency: str
    payment_reference: str


class PaymentsIn(Schema):
    format: int = Field(description="1")
    payments: list[PaymentIn]


class PaymentsOut(Schema):
    import_id: int
    paid: list[int] = Field(description="Invoices marked paid (and published)")
    unchanged: list[int] = Field(description="Invoices whose payment was already recorded the same way")


def _refusal(call: Any) -> Any:
    try:
        return call()
    except FinanceError as exc:
        raise HttpError(409, str(exc)) from None


def _invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    try:
        return selectors.invoice_get(actor=request.user, pk=invoice_id)
    except Invoice.DoesNotExist:
        raise Http404("No such invoice.") from None


@router.get("/invoices", response=list[InvoiceOut], summary="Invoices (a partner: its own contracts')")
@paginate(PageNumberPagination, page_size=50)
def invoice_list(request: HttpRequest, status: str = "", contract: int | None = None) -> Any:
    """`status` filters (awaiting_index, pending, rejected, approved, paid); `contract` takes a contract's id."""
    return selectors.invoice_list(actor=request.user, status=status, contract_id=contract)


@router.get("/invoices/{invoice_id}", response=InvoiceOut, summary="One invoice")
def invoice_detail(request: HttpRequest, invoice_id: int) -> Any:
    return _invoice(request, invoice_id)


@router.post("/invoices/{invoice_id}/reference", response=InvoiceOut, summary="The partner's invoice number")
def invoice_reference(request: HttpRequest, invoice_id: int, payload: ReferenceIn) -> Any:
    invoice = _invoice(request, invoice_id)
    return _refusal(
        lambda: services.invoice_reference(
            actor=permissions.signed_in_user(request),
            invoice_id=invoice.pk,
            expected_version=payload.version,
            reference=payload.reference,
        )
    )


@router.post("/invoices/{invoice_id}/approve", response=InvoiceOut, summary="Approve (a finance analyst)")
def invoice_approve(request: HttpRequest, invoice_id: int, payload: VersionIn) -> Any:
    invoice = _invoice(request, invoice_id)
    return _refusal(
        lambda: services.invoice_approve(
            actor=permissions.signed_in_user(request), invoice_id=invoice.pk, expected_version=payload.version
        )
    )


@router.post("/invoices/{invoice_id}/reject", response=InvoiceOut, summary="Reject with a reason (a finance analyst)")
def invoice_reject(request: HttpRequest, invoice_id: int, payload: RejectIn) -> Any:
    invoice = _invoice(request, invoice_id)
    return _refusal(
        lambda: services.invoice_reject(
            actor=permissions.signed_in_user(request),
            invoice_id=invoice.pk,
            expected_version=payload.version,
            reason=payload.reason,
        )
    )


def _export_out(export: FinanceExport) -> dict[str, Any]:
    return {
        "id": export.pk,
        "since": export.since,
        "format": export.format,
        "again": export.again,
        "count": export.count,
        "invoice_ids": export.invoice_ids,
        "sha256": export.sha256,
        "created_at": export.created_at,
        "file": f"/api/v1/finance/exports/{export.pk}/file",
    }


@router.post("/exports", response={201: ExportOut}, summary="Export approved invoices for the finance system")
def export_create(request: HttpRequest, payload: ExportIn) -> Status[dict[str, Any]]:
    """Invoices approved on or after `since` and not exported yet (with `again`, those already exported too); they
    are marked exported. Download the file from `file` (docs/finance-export.md)."""
    export = services.export_create(
        actor=permissions.signed_in_user(request), since=payload.since, fmt=payload.format, again=payload.again
    )
    return Status(201, _export_out(export))


@router.get("/exports/{export_id}/file", summary="An export's file, as it was exported (CSV or JSON)")
def export_file(request: HttpRequest, export_id: int) -> HttpResponse:
    try:
        export = selectors.export_get(actor=request.user, pk=export_id)
    except FinanceExport.DoesNotExist:
        raise Http404("No such export.") from None
    kind = "text/csv; charset=utf-8" if export.format == "csv" else "application/json"
    response = HttpResponse(export.content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response


@router.post(
    "/payments",
    response={200: PaymentsOut},
    summary="Payment confirmations from the finance system (all or nothing)",
)
def payments_import(request: HttpRequest, payload: PaymentsIn) -> Any:
    """The body of schemas/payments.schema.json. Every payment must match an approved invoice, or nothing is
    imported and the 422 lists each problem with its line (`payments/<index>/<field>`)."""
    report = services.payments_import(actor=permissions.signed_in_user(request), document=payload.dict(), source="api")
    if not report.ok:
        errors: dict[str, list[str]] = {}
        for p in report.problems:
            where = p.field if p.field.startswith("payments/") or p.line == 0 else f"payments/{p.line - 1}/{p.field}"
            errors.setdefault(where, []).append(f"line {p.line}: {p.message}" if p.line else p.message)
        raise ValidationError(errors)  # 422, nothing imported
    return report.as_dict()
