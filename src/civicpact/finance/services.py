"""Writes of the finance hand-off (docs/finance.md): the invoice an issued statement becomes (priced with the
contract's finance terms), the partner's reference, the four-eyes approval or rejection, the exports for the
finance system, the payment confirmations it sends back (published in OCDS), and the price-index series."""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, User
from civicpact.contracts.selectors import is_partner
from civicpact.domain import invoicing
from civicpact.domain.invoicing import Indexation, IndexationTerms, InvoicingInputError, MissingIndex, Problem
from civicpact.domain.performance.regime import regime_from_mapping
from civicpact.finance import publication
from civicpact.finance.exceptions import FinanceError, StaleVersion
from civicpact.finance.models import (
    ExportFormat,
    FinanceExport,
    FinanceTerms,
    IndexSeries,
    IndexValue,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentImport,
)
from civicpact.ledger.services import audit_append
from civicpact.performance.models import Statement, StatementStatus

SERIES_KEY_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _check_version(obj: Invoice | FinanceTerms, expected: int) -> None:
    if obj.version != expected:
        values = {
            "seen": expected,
            "version": obj.version,
            "who": str(obj.updated_by) if obj.updated_by else _("the system"),
            "when": timezone.localtime(obj.updated_at).strftime("%Y-%m-%d %H:%M"),
        }
        message = (
            _(
                "The invoice was changed after you opened it (you saw version %(seen)s; version %(version)s was "
                "saved by %(who)s on %(when)s). Reload the page to see it, then redo your change."
            )
            if isinstance(obj, Invoice)
            else _(
                "The contract's finance terms was changed after you opened it (you saw version %(seen)s; "
                "version %(version)s was saved by %(who)s on %(when)s). Reload the page to see it, then redo "
                "your change."
            )
        )
        raise StaleVersion(message % values)


# --- settings --------------------------------------------------------------------------------------------------


def default_vat_percent() -> Decimal:
    return Decimal(str(settings.CIVICPACT_VAT_PERCENT))


def default_payment_days() -> int:
    return int(settings.CIVICPACT_PAYMENT_DAYS)


def vat_percent_for(terms: FinanceTerms | None) -> Decimal:
    return default_vat_percent() if terms is None or terms.vat_percent is None else Decimal(terms.vat_percent)


def payment_days_for(terms: FinanceTerms | None) -> int:
    return default_payment_days() if terms is None or terms.payment_days is None else terms.payment_days


def terms_of(contract_id: int) -> FinanceTerms | None:
    return FinanceTerms.objects.filter(contract_id=contract_id).select_related("index_series").first()


# --- pricing an invoice ------------------------------------------------------------------------------------------


def statement_amount(statement: Statement) -> Decimal:
    """What the statement adds to what the contract owes, as its OCDS transaction publishes it: its net payment,
    or, for a correction, the difference from the statement it corrects."""
    net = Decimal(statement.net)
    return net if statement.corrects is None else net - Decimal(statement.corrects.net)


def _indexed_in_statement(statement: Statement) -> bool:
    """Whether the statement's regime already indexes the unitary charge (then the invoice is not indexed again)."""
    return regime_from_mapping(statement.regime.document).unitary_charge.indexation is not None


def _indexation_terms(terms: FinanceTerms | None) -> IndexationTerms | None:
    if terms is None or terms.index_series is None or terms.index_base_date is None:
        return None
    return IndexationTerms(terms.index_series.key, terms.index_base_month, terms.index_base_date)


def series_values(series_id: int) -> dict[str, Decimal]:
    return {v.month: Decimal(v.value) for v in IndexValue.objects.filter(series_id=series_id)}


def _price(invoice: Invoice, statement: Statement, terms: FinanceTerms | None) -> None:
    """Set the invoice's amounts, VAT rate, payment days and due date from the statement and the terms in force;
    an invoice whose month needs an index value not stored yet waits for it (awaiting_index)."""
    rule = None if _indexed_in_statement(statement) else _indexation_terms(terms)
    applied: Indexation | None = None
    waiting = False
    if rule is not None and terms is not None and terms.index_series_id is not None:
        try:
            applied = invoicing.indexation_for(rule, statement.month, series_values(terms.index_series_id))
        except MissingIndex:
            waiting = True
    amounts = invoicing.invoice_amounts(
        statement_amount(statement), vat_percent=vat_percent_for(terms), indexation=applied
    )
    invoice.base_amount, invoice.net, invoice.vat = amounts.base, amounts.net, amounts.vat
    invoice.vat_percent, invoice.gross = amounts.vat_percent, amounts.gross
    invoice.indexation = None if applied is None else applied.as_dict()
    invoice.kind = InvoiceKind.CREDIT_NOTE if amounts.base < 0 else InvoiceKind.INVOICE
    invoice.payment_days = payment_days_for(terms)
    invoice.due_date = invoicing.due_date(invoice.received_on, invoice.payment_days)
    if waiting:
        invoice.status = InvoiceStatus.AWAITING_INDEX
    elif invoice.status == InvoiceStatus.AWAITING_INDEX:
        invoice.status = InvoiceStatus.PENDING


def invoice_for_statement(*, actor: User, statement: Statement) -> Invoice | None:
    """The performance app's "issued" hook (registered in FinanceConfig.ready), inside statement_issue's
    transaction: the statement's invoice, or None when the statement adds nothing to pay (an amount of 0)."""
    if statement.status != StatementStatus.ISSUED or statement.issued_at is None:
        return None
    if statement_amount(statement) == 0:
        return None
    today = timezone.localdate(statement.issued_at)
    now = timezone.now()
    invoice = Invoice(
        statement=statement,
        contract_id=statement.contract_id,
        month=statement.month,
        currency=str(statement.figures.get("currency", settings.CIVICPACT_CURRENCY)),
        invoice_date=today,
        received_on=today,
        created_at=now,
        updated_at=now,
        updated_by=None,
    )
    _price(invoice, statement, terms_of(statement.contract_id))
    invoice.full_clean()
    invoice.save(force_insert=True)
    audit_append(
        actor=actor,
        action="invoice.create",
        obj=statement.contract,
        payload={
            "invoice": invoice.pk,
            "statement": statement.pk,
            "gross": str(invoice.gross),
            "status": invoice.status,
        },
    )
    return invoice


def _reprice_open(contract_id: int | None, series_id: int | None, actor: User) -> int:
    """Re-price the open invoices (not decided yet) of a contract, or of every contract indexed by a series."""
    open_invoices = Invoice.objects.select_for_update(of=("self",)).filter(
        status__in=[InvoiceStatus.AWAITING_INDEX, InvoiceStatus.PENDING, InvoiceStatus.REJECTED]
    )
    if contract_id is not None:
        open_invoices = open_invoices.filter(contract_id=contract_id)
    if series_id is not None:
        open_invoices = open_invoices.filter(contract__finance_terms__index_series_id=series_id)
    changed = 0
    for invoice in open_invoices.select_related("statement__corrects", "statement__regime"):
        before = (invoice.status, invoice.gross, invoice.due_date, invoice.indexation)
        _price(invoice, invoice.statement, terms_of(invoice.contract_id))
        if (invoice.status, invoice.gross, invoice.due_date, invoice.indexation) != before:
            invoice.version += 1
            invoice.updated_by, invoice.updated_at = actor, timezone.now()
            invoice.full_clean()
            invoice.save()
            changed += 1
    return changed


# --- the contract's finance terms ----------------------------------------------------------------------------------


def terms_save(
    *,
    actor: User,
    contract_id: int,
    expected_version: int,
    vat_percent: Decimal | None,
    payment_days: int | None,
    budget_line: str,
    index_series_key: str = "",
    index_base_month: str = "",
    index_base_date: date | None = None,
) -> FinanceTerms:
    """Set a contract's finance terms (expected_version 0 for the first time). Open invoices (not approved yet)
    are re-priced with them; approved and paid ones never change."""
    _require(permissions.can_run_finance(actor), _("Only finance analysts set a contract's finance terms."))
    errors: dict[str, str] = {}
    if vat_percent is not None:
        try:
            invoicing.check_vat_percent(vat_percent)
        except InvoicingInputError as exc:
            errors["vat_percent"] = str(exc)
    if payment_days is not None and not 0 <= payment_days <= 365:
        errors["payment_days"] = _("Payment terms are 0 to 365 days.")
    series = None
    if index_series_key or index_base_month or index_base_date:
        series = IndexSeries.objects.filter(key=index_series_key).first()
        if series is None:
            errors["index_series"] = _("No index series has the key %(key)r: import its values first.") % {
                "key": index_series_key
            }
        try:
            invoicing.month_parts(index_base_month)
        except InvoicingInputError as exc:
            errors["index_base_month"] = str(exc)
        if index_base_date is None:
            errors["index_base_date"] = _("Give the base date: the reviews fall on its anniversaries.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        from civicpact.contracts.models import Contract

        contract = Contract.objects.select_for_update().get(pk=contract_id)
        terms = FinanceTerms.objects.filter(contract=contract).select_related("updated_by").first()
        if terms is None:
            if expected_version != 0:
                raise StaleVersion(_("The finance terms were removed or never saved; reload the page."))
            terms = FinanceTerms(contract=contract, version=0)
        else:
            _check_version(terms, expected_version)
        terms.vat_percent, terms.payment_days, terms.budget_line = vat_percent, payment_days, budget_line.strip()
        terms.index_series = series
        terms.index_base_month = index_base_month if series else ""
        terms.index_base_date = index_base_date if series else None
        terms.version += 1
        terms.updated_by, terms.updated_at = actor, timezone.now()
        terms.full_clean()
        terms.save()
        repriced = _reprice_open(contract.pk, None, actor)
        audit_append(
            actor=actor,
            action="finance.terms",
            obj=contract,
            payload={
                "version": terms.version,
                "vat_percent": None if vat_percent is None else str(vat_percent),
                "payment_days": payment_days,
                "budget_line": terms.budget_line,
                "index": None if series is None else [series.key, terms.index_base_month, str(index_base_date)],
                "repriced": repriced,
            },
        )
        return terms


# --- the invoice's steps -----------------------------------------------------------------------------------------


def _locked(invoice_id: int) -> Invoice:
    try:
        return (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("statement", "contract", "updated_by")
            .get(pk=invoice_id)
        )
    except Invoice.DoesNotExist:
        raise FinanceError(f"No invoice has the id {invoice_id}.") from None


def _touch(invoice: Invoice, actor: User) -> None:
    invoice.version += 1
    invoice.updated_by, invoice.updated_at = actor, timezone.now()
    invoice.full_clean()
    invoice.save()


def invoice_reference(*, actor: User, invoice_id: int, expected_version: int, reference: str) -> Invoice:
    """The partner gives its own invoice number for an open invoice; a rejected one goes back for approval. The
    payment days count from the day the reference is received."""
    reference = reference.strip()
    if not reference or len(reference) > 100:
        raise ValidationError({"reference": _("Give your invoice number (1 to 100 characters).")})
    with transaction.atomic():
        invoice = _locked(invoice_id)
        _require(is_partner(actor, invoice.contract), _("Only the contract's partner gives its invoice reference."))
        _check_version(invoice, expected_version)
        if not invoice.is_open:
            raise FinanceError(
                _("This invoice is %(status)s: its reference is final.")
                % {"status": invoice.get_status_display().lower()}
            )
        invoice.supplier_reference = reference
        invoice.received_on = timezone.localdate()
        invoice.due_date = invoicing.due_date(invoice.received_on, invoice.payment_days)
        if invoice.status == InvoiceStatus.REJECTED:
            invoice.status = InvoiceStatus.PENDING
        _touch(invoice, actor)
        audit_append(
            actor=actor,
            action="invoice.reference",
            obj=invoice.contract,
            payload={"invoice": invoice.pk, "reference": reference},
        )
        return invoice


def invoice_approve(*, actor: User, invoice_id: int, expected_version: int) -> Invoice:
    """A finance analyst who did not issue the statement approves the invoice for the finance system."""
    with transaction.atomic():
        invoice = _locked(invoice_id)
        _require(permissions.can_run_finance(actor), _("Only finance analysts approve invoices."))
        _require(
            permissions.can_approve_invoice(actor, invoice),
            _("Four eyes: you issued this statement, so someone else approves its invoice."),
        )
        _check_version(invoice, expected_version)
        if invoice.status == InvoiceStatus.AWAITING_INDEX:
            raise FinanceError(_("The invoice waits for its month's index value: import the index series first."))
        if invoice.status != InvoiceStatus.PENDING:
            raise FinanceError(
                _("Only an invoice waiting for approval is approved; this one is %(status)s.")
                % {"status": invoice.status}
            )
        terms = terms_of(invoice.contract_id)
        if terms is None or not terms.budget_line:
            raise FinanceError(_("Set the contract's budget line (its finance terms) first: the export needs it."))
        invoice.status, invoice.decided_by, invoice.approved_at = InvoiceStatus.APPROVED, actor, timezone.now()
        invoice.decision_reason = ""
        _touch(invoice, actor)
        audit_append(
            actor=actor,
            action="invoice.approve",
            obj=invoice.contract,
            payload={"invoice": invoice.pk, "gross": str(invoice.gross)},
        )
        return invoice


def invoice_reject(*, actor: User, invoice_id: int, expected_version: int, reason: str) -> Invoice:
    """The finance analyst sends the invoice back to the partner with a reason (e.g. a wrong invoice number); the
    partner's new reference puts it back for approval. A wrong amount is corrected by a correcting statement."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the invoice is rejected: the partner reads it.")})
    with transaction.atomic():
        invoice = _locked(invoice_id)
        _require(permissions.can_run_finance(actor), _("Only finance analysts reject invoices."))
        _require(
            permissions.can_approve_invoice(actor, invoice),
            _("Four eyes: you issued this statement, so someone else decides on its invoice."),
        )
        _check_version(invoice, expected_version)
        if invoice.status not in (InvoiceStatus.PENDING, InvoiceStatus.AWAITING_INDEX):
            raise FinanceError(
                _("Only an invoice waiting for approval is rejected; this one is %(status)s.")
                % {"status": invoice.status}
            )
        invoice.status, invoice.decided_by, invoice.decision_reason = InvoiceStatus.REJECTED, actor, reason.strip()
        _touch(invoice, actor)
        audit_append(
            actor=actor,
            action="invoice.reject",
            obj=invoice.contract,
            payload={"invoice": invoice.pk, "reason": invoice.decision_reason},
        )
        return invoice


# --- the export ----------------------------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _exported(actor: User, invoice: Invoice) -> invoicing.ExportedInvoice:
    """An approved invoice as the finance system receives it: the contract, its partner (the supplier) and its
    city party (the department that pays), the budget line, the period and the amounts."""
    from civicpact.contracts.services import contract_ocid
    from civicpact.performance.publication import issued_statement

    contract, statement = invoice.contract, invoice.statement
    version = contract.current or contract.latest
    described = issued_statement(statement)
    partner = Organisation.objects.get(pk=int(described.payee.party_id.removeprefix("org-")))
    terms = terms_of(contract.pk)
    year, number = invoicing.month_parts(invoice.month)
    index = invoice.indexation
    return invoicing.ExportedInvoice(
        invoice_id=invoice.pk,
        kind=invoice.kind,
        contract_id=contract.pk,
        contract_ocds_id=contract.ocds_id,
        contract_title=version.title,
        ocid=contract_ocid(actor, contract),
        supplier=invoicing.Supplier(
            described.payee.party_id, partner.name, partner.legal_name, partner.country, partner.registration_number
        ),
        department_id=described.payer.party_id,
        department_name=described.payer.name,
        budget_line="" if terms is None else terms.budget_line,
        month=invoice.month,
        period_start=date(year, number, 1),
        period_end=date(year, number, calendar.monthrange(year, number)[1]),
        statement_id=statement.pk,
        statement_number=statement.number,
        supplier_reference=invoice.supplier_reference,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        approved_on=timezone.localdate(invoice.approved_at) if invoice.approved_at else invoice.invoice_date,
        currency=invoice.currency,
        amounts=invoice_amounts(invoice),
        indexation=None if index is None else indexation_of(index),
    )


def invoice_amounts(invoice: Invoice) -> invoicing.InvoiceAmounts:
    return invoicing.InvoiceAmounts(
        base=Decimal(invoice.base_amount),
        net=Decimal(invoice.net),
        vat_percent=Decimal(invoice.vat_percent),
        vat=Decimal(invoice.vat),
        gross=Decimal(invoice.gross),
    )


def indexation_of(stored: Mapping[str, str]) -> Indexation:
    return Indexation(
        series=stored["series"],
        base_month=stored["base_month"],
        reference_month=stored["reference_month"],
        base_value=Decimal(stored["base_value"]),
        index_value=Decimal(stored["index_value"]),
    )


def export_create(*, actor: User, since: date, fmt: str, again: bool = False) -> FinanceExport:
    """Export the approved invoices approved on or after `since` (a local date) for the finance system, and mark
    them exported: an invoice is exported once, unless `again` asks for the ones already exported (and paid) too.
    The file is kept with the export, its SHA-256 in the audit chain."""
    _require(permissions.can_run_finance(actor), _("Only finance analysts export invoices for the finance system."))
    if fmt not in ExportFormat.values:
        raise ValidationError({"format": f"The format is csv or json, not {fmt!r}."})
    with transaction.atomic():
        invoices = list(
            Invoice.objects.select_for_update(of=("self",))
            .exportable(since_start=_day_start(since), again=again)
            .select_related("statement__corrects", "statement__regime", "contract__project", "contract__award")
            .order_by("approved_at", "pk")
        )
        rows = [_exported(actor, invoice) for invoice in invoices]
        now = timezone.now()
        export = FinanceExport.objects.create(
            since=since,
            format=fmt,
            again=again,
            invoice_ids=[i.pk for i in invoices],
            count=len(invoices),
            created_by=actor,
            created_at=now,
        )
        if fmt == ExportFormat.CSV:
            content = invoicing.export_csv(rows)
        else:
            document = invoicing.export_document(
                rows,
                export_id=export.pk,
                created=now,
                since=since,
                publisher=settings.CIVICPACT_PUBLISHER_NAME,
                again=again,
            )
            content = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        export.content, export.sha256 = content, hashlib.sha256(content.encode("utf-8")).hexdigest()
        export.save(update_fields=["content", "sha256"])
        first_time = [i.pk for i in invoices if i.exported_at is None]
        Invoice.objects.filter(pk__in=first_time).update(exported_at=now, export=export)
        audit_append(
            actor=actor,
            action="finance.export",
            obj=f"finance-export:{export.pk}",
            payload={
                "since": since.isoformat(),
                "format": fmt,
                "again": again,
                "invoices": export.invoice_ids,
                "sha256": export.sha256,
            },
        )
        return export


# --- payment confirmations -----------------------------------------------------------------------------------------


@dataclass
class PaymentReport:
    """What a payments document did: all its lines imported, or none with every problem named."""

    ok: bool
    paid: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    import_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "import_id": self.import_id,
            "paid": self.paid,
            "unchanged": self.unchanged,
            "problems": [p.as_dict() for p in self.problems],
        }


def _line_of(path: str) -> int:
    """The payment's line (1 for the first) a JSON path such as payments/0/amount names; 0 for the document."""
    parts = path.split("/")
    return int(parts[1]) + 1 if len(parts) > 1 and parts[0] == "payments" and parts[1].isdigit() else 0


def payment_schema_problems(document: Any) -> list[Problem]:
    """The document's departures from schemas/payments.schema.json, one per line where a line is at fault."""
    from pathlib import Path

    from jsonschema import Draft202012Validator

    path = Path(__file__).resolve().parents[1] / "schemas" / "payments.schema.json"
    validator = Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path)
        problems.append(Problem(_line_of(where), where or "(top level)", error.message))
    return problems


def _payable(invoice: Invoice) -> invoicing.PayableInvoice:
    return invoicing.PayableInvoice(
        invoice_id=invoice.pk,
        status=invoice.status,
        gross=Decimal(invoice.gross),
        currency=invoice.currency,
        approved_on=None if invoice.approved_at is None else timezone.localdate(invoice.approved_at),
        paid_on=invoice.paid_on,
        paid_amount=None if invoice.paid_amount is None else Decimal(invoice.paid_amount),
        payment_reference=invoice.payment_reference,
    )


def payments_import(*, actor: User, document: Any, source: str, file_name: str = "") -> PaymentReport:
    """Mark invoices paid from the finance system's confirmations (schemas/payments.schema.json): every line must
    match an approved invoice (or repeat a payment already recorded the same way), or nothing is imported and
    each problem is reported with its line. Each newly paid invoice is published in OCDS."""
    _require(permissions.can_run_finance(actor), "Only finance analysts (or their finance system) record payments.")
    problems = payment_schema_problems(document)
    if problems:
        return PaymentReport(ok=False, problems=problems)
    try:
        lines = invoicing.payment_lines(document)
    except InvoicingInputError as exc:
        return PaymentReport(ok=False, problems=[Problem(_line_of(exc.field), exc.field, str(exc))])
    with transaction.atomic():
        ids = [line.invoice_id for line in lines]
        found = {
            i.pk: i
            for i in Invoice.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("statement__corrects", "contract__project", "contract__award__tender")
        }
        check = invoicing.check_payments(lines, {k: _payable(v) for k, v in found.items()}, today=timezone.localdate())
        if not check.ok:
            return PaymentReport(ok=False, problems=list(check.problems))
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest()
        batch = PaymentImport.objects.create(
            source=source,
            file_name=file_name[:255],
            sha256=digest,
            paid=len(check.to_pay),
            unchanged=len(check.already_paid),
            created_by=actor,
        )
        for line in check.to_pay:
            invoice = found[line.invoice_id]
            invoice.status, invoice.paid_on, invoice.paid_amount = InvoiceStatus.PAID, line.paid_on, line.amount
            invoice.payment_reference, invoice.payment_import = line.reference, batch
            _touch(invoice, actor)
            audit_append(
                actor=actor,
                action="invoice.paid",
                obj=invoice.contract,
                payload={
                    "invoice": invoice.pk,
                    "paid_on": line.paid_on.isoformat(),
                    "amount": f"{line.amount:f}",
                    "reference": line.reference,
                },
                public=True,
            )
            publication.paid_release(actor, invoice)
        return PaymentReport(
            ok=True,
            paid=[p.invoice_id for p in check.to_pay],
            unchanged=[p.invoice_id for p in check.already_paid],
            import_id=batch.pk,
        )


# --- index series --------------------------------------------------------------------------------------------------


@dataclass
class IndexReport:
    ok: bool
    added: int = 0
    unchanged: int = 0
    repriced: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "added": self.added,
            "unchanged": self.unchanged,
            "repriced": self.repriced,
            "problems": [p.as_dict() for p in self.problems],
        }


def _check_series_key(key: str) -> None:
    if not key or len(key) > 32 or not set(key) <= SERIES_KEY_CHARACTERS:
        raise ValidationError({"series": _("The series' key is 1 to 32 letters, digits, '_', '.' or '-' (e.g. CPI).")})


def index_import(*, actor: User, series_key: str, text: str, name: str = "", source: str = "") -> IndexReport:
    """Store a series' monthly values from CSV text (month,value); all rows or none, each problem with its line.
    A value already stored is never changed (the same value again is fine). The series is created on its first
    import. Invoices waiting for a value it brings are priced and go for approval."""
    _require(permissions.can_run_finance(actor), _("Only finance analysts import index series."))
    series_key = series_key.strip()
    _check_series_key(series_key)
    rows, problems = invoicing.index_rows(text)
    if problems:
        return IndexReport(ok=False, problems=problems)
    with transaction.atomic():
        series, _created = IndexSeries.objects.get_or_create(
            key=series_key, defaults={"name": name.strip()[:200], "source": source.strip(), "created_by": actor}
        )
        series = IndexSeries.objects.select_for_update().get(pk=series.pk)
        stored = series_values(series.pk)
        conflicts = invoicing.index_conflicts(rows, stored, series.key)
        if conflicts:
            transaction.set_rollback(True)
            return IndexReport(ok=False, problems=conflicts)
        new = [r for r in rows if r.month not in stored]
        IndexValue.objects.bulk_create(
            [IndexValue(series=series, month=r.month, value=r.value, imported_by=actor) for r in new]
        )
        repriced = _reprice_open(None, series.pk, actor) if new else 0
        audit_append(
            actor=actor,
            action="finance.index",
            obj=f"index-series:{series.key}",
            payload={"added": [r.month for r in new], "repriced": repriced},
        )
        return IndexReport(ok=True, added=len(new), unchanged=len(rows) - len(new), repriced=repriced)


def index_values(series: IndexSeries) -> Mapping[str, Decimal]:
    return series_values(series.pk)
