"""The finance hand-off of a payment statement: the invoice's amounts (indexation, VAT, gross), its due date, the
finance system's payment confirmations checked line by line, the rows of the export, and the OCDS transaction of
a paid invoice (docs/finance.md). Pure: no Django, no I/O; `Decimal` money rounded only by `domain.money`.

Indexation (annual, from a base date): a contract names an index series (e.g. CPI), the month whose value is the
base (`base_month`) and a base date. On each anniversary of the base date the reference month moves on by twelve
months: a statement month that starts on or after the k-th anniversary is indexed with index(base_month + 12k) /
index(base_month). Before the first anniversary k = 0: the factor is exactly 1 and no index value is needed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from civicpact.domain import ocds
from civicpact.domain.money import exact_to_cents, to_cents

MONTH_LENGTH = 7  # YYYY-MM
MAX_VAT_PERCENT = Decimal(100)


class InvoicingInputError(ValueError):
    """Input the rules cannot use; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class MissingIndex(LookupError):
    """The index value a month needs is not stored yet."""

    def __init__(self, series: str, month: str) -> None:
        super().__init__(f"The {series} index for {month} is not stored yet.")
        self.series = series
        self.month = month


# --- months ------------------------------------------------------------------------------------------------------


def month_parts(month: str) -> tuple[int, int]:
    """(year, month) of a YYYY-MM text; InvoicingInputError otherwise."""
    try:
        if len(month) != MONTH_LENGTH or month[4] != "-":
            raise ValueError
        year, number = int(month[:4]), int(month[5:])
        if not 1 <= number <= 12 or year < 1:
            raise ValueError
    except ValueError:
        raise InvoicingInputError("month", f"{month!r} is not a month: write YYYY-MM.") from None
    return year, number


def add_months(month: str, count: int) -> str:
    year, number = month_parts(month)
    index = year * 12 + number - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def first_day(month: str) -> date:
    year, number = month_parts(month)
    return date(year, number, 1)


def anniversary(base: date, years: int) -> date:
    """The base date `years` later; 29 February falls on 28 February in a year without it."""
    try:
        return base.replace(year=base.year + years)
    except ValueError:
        return base.replace(year=base.year + years, day=28)


# --- indexation ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexationTerms:
    """A contract's indexation rule: annual, from a base date, against a base month's index value."""

    series: str  # the index series' key, e.g. CPI
    base_month: str  # YYYY-MM: the month whose index value is the base
    base_date: date  # reviews fall on its anniversaries

    def __post_init__(self) -> None:
        month_parts(self.base_month)


def reviews_passed(terms: IndexationTerms, month: str) -> int:
    """How many anniversaries of the base date fall on or before the first day of `month` (0 before the first)."""
    start = first_day(month)
    count = max(start.year - terms.base_date.year, 0)
    while count > 0 and anniversary(terms.base_date, count) > start:
        count -= 1
    return count


def reference_month(terms: IndexationTerms, month: str) -> str:
    """The index month that applies to a statement month: base_month + 12 * the reviews passed."""
    return add_months(terms.base_month, 12 * reviews_passed(terms, month))


@dataclass(frozen=True)
class Indexation:
    """The indexation applied to one invoice: the series, the base and reference months and their values."""

    series: str
    base_month: str
    reference_month: str
    base_value: Decimal
    index_value: Decimal

    @property
    def factor(self) -> Fraction:
        return Fraction(self.index_value) / Fraction(self.base_value)

    def as_dict(self) -> dict[str, str]:
        return {
            "series": self.series,
            "base_month": self.base_month,
            "reference_month": self.reference_month,
            "base_value": f"{self.base_value:f}",
            "index_value": f"{self.index_value:f}",
        }


def indexation_for(terms: IndexationTerms, month: str, values: Mapping[str, Decimal]) -> Indexation:
    """The indexation of a statement month, from the series' stored monthly values; MissingIndex when a value the
    month needs is not stored (the base month's, or the reference month's after the first review)."""
    reference = reference_month(terms, month)
    base = values.get(terms.base_month)
    if base is None:
        raise MissingIndex(terms.series, terms.base_month)
    value = values.get(reference)
    if value is None:
        raise MissingIndex(terms.series, reference)
    if base <= 0 or value <= 0:
        raise InvoicingInputError("index", f"Index values are above 0 ({terms.series} {terms.base_month}: {base}).")
    return Indexation(terms.series, terms.base_month, reference, base, value)


def indexed_amount(amount: Decimal, *, index_value: Decimal, base_value: Decimal) -> Decimal:
    """amount * index / base, rounded once to the cent from the exact value. The identity when index = base;
    never lower for a higher index (for an amount of 0 or more)."""
    if base_value <= 0 or index_value <= 0:
        raise InvoicingInputError("index", "Index values are above 0.")
    return exact_to_cents(Fraction(amount) * Fraction(index_value) / Fraction(base_value))


# --- amounts and dates ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceAmounts:
    """An invoice's money: the statement's amount, indexed (net), VAT on it and the gross amount, in cents."""

    base: Decimal  # the statement's amount (its net payment; a correction's difference)
    net: Decimal
    vat_percent: Decimal
    vat: Decimal
    gross: Decimal


def check_vat_percent(vat_percent: Decimal) -> Decimal:
    if not vat_percent.is_finite() or not Decimal(0) <= vat_percent <= MAX_VAT_PERCENT:
        raise InvoicingInputError("vat_percent", f"A VAT rate is 0 to 100 percent, not {vat_percent}.")
    if vat_percent.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvoicingInputError("vat_percent", "A VAT rate has at most 2 decimals (e.g. 23 or 5.5).")
    return vat_percent


def invoice_amounts(base: Decimal, *, vat_percent: Decimal, indexation: Indexation | None = None) -> InvoiceAmounts:
    """net = the base amount indexed (to the cent), VAT = net * rate / 100 (to the cent), gross = net + VAT."""
    check_vat_percent(vat_percent)
    amount = to_cents(base)
    net = (
        amount
        if indexation is None
        else indexed_amount(amount, index_value=indexation.index_value, base_value=indexation.base_value)
    )
    vat = exact_to_cents(Fraction(net) * Fraction(vat_percent) / 100)
    return InvoiceAmounts(base=amount, net=net, vat_percent=vat_percent, vat=vat, gross=net + vat)


def due_date(received: date, payment_days: int) -> date:
    """The day payment is due: `payment_days` after the invoice was received (its reference, or its creation)."""
    if payment_days < 0:
        raise InvoicingInputError("payment_days", "Payment terms are 0 days or more.")
    return received + timedelta(days=payment_days)


# --- the index series' CSV ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexRow:
    line: int  # the CSV line (the header is line 1)
    month: str
    value: Decimal


@dataclass(frozen=True)
class Problem:
    """A line of a file that cannot be imported, and why."""

    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


def decimal_text(text: str, *, field: str, places: int) -> Decimal:
    """A decimal written as text (e.g. '118.42', '-12.50'); InvoicingInputError naming `field` otherwise."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvoicingInputError(field, f"{text!r} is not a number: write e.g. 118.42.") from None
    if not value.is_finite():
        raise InvoicingInputError(field, f"{text!r} is not a number: write e.g. 118.42.")
    if value.as_tuple().exponent < -places:  # type: ignore[operator]
        raise InvoicingInputError(field, f"{text!r} has more than {places} decimals.")
    return value


INDEX_PLACES = 4


def index_rows(text: str) -> tuple[list[IndexRow], list[Problem]]:
    """Monthly index values from CSV text with the header `month,value` (schemas/index-row.schema.json); every
    problem names its line. A month twice in the file is a problem on the second line."""
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    if not {"month", "value"} <= columns:
        return [], [Problem(1, "header", "The CSV needs the columns month and value (e.g. 2024-01,118.42).")]
    unknown = sorted(columns - {"month", "value"})
    if unknown:
        return [], [Problem(1, "header", f"Unknown column(s): {', '.join(unknown)}; the columns are month,value.")]
    rows: list[IndexRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        month = (raw.get("month") or "").strip()
        try:
            month_parts(month)
            value = decimal_text(raw.get("value") or "", field="value", places=INDEX_PLACES)
            if value <= 0:
                raise InvoicingInputError("value", f"An index value is above 0, not {value}.")
        except InvoicingInputError as exc:
            problems.append(Problem(line, exc.field, str(exc)))
            continue
        if month in seen:
            problems.append(Problem(line, "month", f"{month} is already on line {seen[month]}."))
            continue
        seen[month] = line
        rows.append(IndexRow(line, month, value))
    if not rows and not problems:
        problems.append(Problem(1, "file", "The file has no rows: nothing to import."))
    return rows, problems


def index_conflicts(rows: Iterable[IndexRow], stored: Mapping[str, Decimal], series: str) -> list[Problem]:
    """Rows that would change a value already stored: published indices are not revised here (an invoice may
    already use the old value). The same value again is fine (importing a file twice changes nothing)."""
    return [
        Problem(
            row.line,
            "value",
            f"{series} {row.month} is already stored as {stored[row.month]:f}; a stored value is never changed.",
        )
        for row in rows
        if row.month in stored and stored[row.month] != row.value
    ]


# --- payment confirmations -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentLine:
    """One payment confirmation of the finance system (schemas/payments.schema.json)."""

    line: int  # 1 for the file's first payment
    invoice_id: int
    paid_on: date
    amount: Decimal
    currency: str
    reference: str  # the finance system's payment id


@dataclass(frozen=True)
class PayableInvoice:
    """What the check needs of an invoice: its status, amount, approval and, if paid, the payment."""

    invoice_id: int
    status: str  # approved and paid are payable (paid: the same payment again changes nothing)
    gross: Decimal
    currency: str
    approved_on: date | None
    paid_on: date | None = None
    paid_amount: Decimal | None = None
    payment_reference: str = ""


@dataclass(frozen=True)
class PaymentCheck:
    to_pay: tuple[PaymentLine, ...]
    already_paid: tuple[PaymentLine, ...]  # the same payment as recorded: nothing to do
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def payment_lines(document: Mapping[str, Any]) -> list[PaymentLine]:
    """The lines of a payments document already valid against its schema (amounts as decimal text); a field the
    schema cannot check (an impossible date) is an InvoicingInputError naming it as a JSON path (payments/0/…)."""
    lines = []
    for number, entry in enumerate(document.get("payments", ()), start=1):
        try:
            paid_on = date.fromisoformat(str(entry["paid_on"]))
        except ValueError:
            raise InvoicingInputError(
                f"payments/{number - 1}/paid_on", f"{entry['paid_on']!r} is not a date."
            ) from None
        amount = decimal_text(str(entry["amount"]), field=f"payments/{number - 1}/amount", places=2)
        lines.append(
            PaymentLine(
                number,
                int(entry["invoice_id"]),
                paid_on,
                amount,
                str(entry["currency"]),
                str(entry["payment_reference"]),
            )
        )
    return lines


def _payment_problem(line: PaymentLine, invoice: PayableInvoice | None, today: date) -> Problem | None:
    """Why one line does not match an approved invoice (None: it matches): the first failed check."""
    ident = line.invoice_id
    if invoice is None:
        return Problem(line.line, "invoice_id", f"No invoice has the id {ident}.")
    checks = (
        (
            invoice.status not in ("approved", "paid"),
            "invoice_id",
            f"Invoice {ident} is {invoice.status}: only an approved one is paid.",
        ),
        (
            line.currency != invoice.currency,
            "currency",
            f"Invoice {ident} is in {invoice.currency}, not {line.currency}.",
        ),
        (
            line.amount != invoice.gross,
            "amount",
            f"{line.amount:f} {line.currency} does not match invoice {ident}'s gross amount of "
            f"{invoice.gross:f} {invoice.currency}.",
        ),
        (line.paid_on > today, "paid_on", f"{line.paid_on.isoformat()} is in the future."),
        (
            invoice.approved_on is not None and line.paid_on < invoice.approved_on,
            "paid_on",
            f"{line.paid_on.isoformat()} is before invoice {ident} was approved ({invoice.approved_on}).",
        ),
    )
    return next((Problem(line.line, field, message) for failed, field, message in checks if failed), None)


def check_payments(
    lines: Sequence[PaymentLine], invoices: Mapping[int, PayableInvoice], *, today: date
) -> PaymentCheck:
    """Match each confirmation with an approved invoice: the id exists, the invoice is approved, the currency and
    the gross amount are the same to the cent, the date is not in the future nor before the approval, and no
    invoice is paid twice in the file. An invoice already paid with the same date, amount and reference is
    `already_paid` (a file imported twice); paid otherwise, it is a problem. Every line is checked."""
    problems: list[Problem] = []
    to_pay: list[PaymentLine] = []
    already: list[PaymentLine] = []
    first_line: dict[int, int] = {}
    for line in lines:
        if line.invoice_id in first_line:
            problems.append(
                Problem(
                    line.line,
                    "invoice_id",
                    f"Invoice {line.invoice_id} is already paid on line {first_line[line.invoice_id]} of this file.",
                )
            )
            continue
        first_line[line.invoice_id] = line.line
        invoice = invoices.get(line.invoice_id)
        problem = _payment_problem(line, invoice, today)
        if problem is not None:
            problems.append(problem)
        elif invoice is not None and invoice.status == "paid":
            same = (invoice.paid_on, invoice.paid_amount, invoice.payment_reference) == (
                line.paid_on,
                line.amount,
                line.reference,
            )
            if same:
                already.append(line)
            else:
                problems.append(
                    Problem(
                        line.line,
                        "invoice_id",
                        f"Invoice {line.invoice_id} is already paid ({invoice.paid_on}, reference "
                        f"{invoice.payment_reference}).",
                    )
                )
        else:
            to_pay.append(line)
    return PaymentCheck(tuple(to_pay), tuple(already), tuple(problems))


# --- the export ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Supplier:
    party_id: str  # org-<pk>, as in OCDS
    name: str
    legal_name: str
    country: str
    registration_number: str


@dataclass(frozen=True)
class ExportedInvoice:
    """One approved invoice as the finance system receives it (docs/finance-export.md)."""

    invoice_id: int
    kind: str  # invoice or credit_note
    contract_id: int
    contract_ocds_id: str
    contract_title: str
    ocid: str
    supplier: Supplier
    department_id: str  # org-<pk> of the city party (the payer)
    department_name: str
    budget_line: str
    month: str
    period_start: date
    period_end: date
    statement_id: int
    statement_number: int
    supplier_reference: str
    invoice_date: date
    due_date: date
    approved_on: date
    currency: str
    amounts: InvoiceAmounts
    indexation: Indexation | None

    def as_json(self) -> dict[str, Any]:
        a = self.amounts
        return {
            "invoice_id": self.invoice_id,
            "kind": self.kind,
            "contract": {
                "id": self.contract_id,
                "ocds_id": self.contract_ocds_id,
                "ocid": self.ocid,
                "title": self.contract_title,
            },
            "supplier": {
                "id": self.supplier.party_id,
                "name": self.supplier.name,
                "legal_name": self.supplier.legal_name,
                "country": self.supplier.country,
                "registration_number": self.supplier.registration_number,
            },
            "department": {"id": self.department_id, "name": self.department_name},
            "budget_line": self.budget_line,
            "period": {
                "month": self.month,
                "start": self.period_start.isoformat(),
                "end": self.period_end.isoformat(),
            },
            "statement": {"id": self.statement_id, "number": self.statement_number},
            "supplier_reference": self.supplier_reference,
            "invoice_date": self.invoice_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "approved_on": self.approved_on.isoformat(),
            "currency": self.currency,
            "base_amount": f"{a.base:f}",
            "net": f"{a.net:f}",
            "vat_percent": f"{a.vat_percent:f}",
            "vat": f"{a.vat:f}",
            "gross": f"{a.gross:f}",
            "indexation": None if self.indexation is None else self.indexation.as_dict(),
        }

    def csv_row(self) -> list[str]:
        data = self.as_json()
        index = self.indexation
        return [
            str(self.invoice_id),
            self.kind,
            str(self.contract_id),
            self.contract_ocds_id,
            self.ocid,
            self.contract_title,
            self.supplier.party_id,
            self.supplier.name,
            self.supplier.legal_name,
            self.supplier.country,
            self.supplier.registration_number,
            self.department_id,
            self.department_name,
            self.budget_line,
            self.month,
            data["period"]["start"],
            data["period"]["end"],
            str(self.statement_id),
            str(self.statement_number),
            self.supplier_reference,
            data["invoice_date"],
            data["due_date"],
            data["approved_on"],
            self.currency,
            data["base_amount"],
            data["net"],
            data["vat_percent"],
            data["vat"],
            data["gross"],
            "" if index is None else index.series,
            "" if index is None else index.reference_month,
            "" if index is None else f"{index.index_value:f}",
            "" if index is None else index.base_month,
            "" if index is None else f"{index.base_value:f}",
        ]


CSV_COLUMNS = (
    "invoice_id",
    "kind",
    "contract_id",
    "contract_ocds_id",
    "ocid",
    "contract_title",
    "supplier_id",
    "supplier_name",
    "supplier_legal_name",
    "supplier_country",
    "supplier_registration_number",
    "department_id",
    "department_name",
    "budget_line",
    "month",
    "period_start",
    "period_end",
    "statement_id",
    "statement_number",
    "supplier_reference",
    "invoice_date",
    "due_date",
    "approved_on",
    "currency",
    "base_amount",
    "net",
    "vat_percent",
    "vat",
    "gross",
    "index_series",
    "index_month",
    "index_value",
    "index_base_month",
    "index_base_value",
)


def _totals(invoices: Sequence[ExportedInvoice]) -> dict[str, dict[str, str]]:
    """Net, VAT and gross per currency (an export may hold several)."""
    sums: dict[str, list[Decimal]] = {}
    for invoice in invoices:
        total = sums.setdefault(invoice.currency, [Decimal(0), Decimal(0), Decimal(0)])
        total[0] += invoice.amounts.net
        total[1] += invoice.amounts.vat
        total[2] += invoice.amounts.gross
    return {c: {"net": f"{n:f}", "vat": f"{v:f}", "gross": f"{g:f}"} for c, (n, v, g) in sorted(sums.items())}


def export_document(
    invoices: Sequence[ExportedInvoice], *, export_id: int, created: datetime, since: date, publisher: str, again: bool
) -> dict[str, Any]:
    """The JSON export (schemas/finance-export.schema.json)."""
    return {
        "format": "civicpact-finance-export",
        "version": 1,
        "export_id": export_id,
        "created_at": ocds.format_date(created),
        "publisher": publisher,
        "since": since.isoformat(),
        "again": again,
        "count": len(invoices),
        "totals": _totals(invoices),
        "invoices": [i.as_json() for i in invoices],
    }


def export_csv(invoices: Sequence[ExportedInvoice]) -> str:
    """The CSV export: a header row (CSV_COLUMNS) and a row per invoice; decimals with a point, dates ISO 8601."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for invoice in invoices:
        writer.writerow(invoice.csv_row())
    return out.getvalue()


# --- OCDS: a paid invoice ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaidInvoice:
    """A paid invoice, as its implementation release publishes it. `transaction_id` is the statement's transaction
    (`statement-<pk>`): the payment revises that transaction rather than adding another one (docs/finance.md)."""

    transaction_id: str
    invoice_id: int
    month: str
    statement_number: int
    paid: datetime  # the payment date, at midnight in the deployment's time zone
    currency: str
    amounts: InvoiceAmounts
    indexation: Indexation | None
    payer: ocds.ContractParty
    payee: ocds.ContractParty


def payment_document_id(invoice_id: int) -> str:
    """The id of a paid invoice's document: stable, and never given to another invoice."""
    return f"invoice-{invoice_id}-payment"


def _text(amount: Decimal, currency: str) -> str:
    return f"{to_cents(amount):f} {currency}"


def paid_invoice_implementation(paid: PaidInvoice) -> dict[str, Any]:
    """A contract's `implementation` for a paid invoice: the statement's transaction with the payment's date and
    the amount paid (VAT included), and a financial progress report saying how it was made up."""
    a, currency = paid.amounts, paid.currency
    transaction = {
        "id": paid.transaction_id,
        "date": ocds.format_date(paid.paid),
        "value": ocds.money(a.gross, currency),
        "payer": ocds.organisation_reference(paid.payer.party_id, paid.payer.name),
        "payee": ocds.organisation_reference(paid.payee.party_id, paid.payee.name),
    }
    made_of = f"the statement's amount {_text(a.base, currency)}"
    if paid.indexation is not None:
        i = paid.indexation
        made_of += (
            f", indexed by {i.series} {i.reference_month} ({i.index_value:f}) over {i.base_month} ({i.base_value:f}) "
            f"to {_text(a.net, currency)}"
        )
    description = (
        f"Invoice {paid.invoice_id} for payment statement #{paid.statement_number} for {paid.month}, paid on "
        f"{paid.paid.date().isoformat()}: {made_of}, plus VAT at {a.vat_percent:f}% of {_text(a.vat, currency)}, "
        f"{_text(a.gross, currency)} in all. Transaction {paid.transaction_id} now records this payment: its date "
        "and the amount paid replace the amount the statement published when it was issued."
    )
    report = ocds.document(
        ocds.DocumentRef(
            document_id=payment_document_id(paid.invoice_id),
            document_type="financialProgressReport",
            title=f"Payment of invoice {paid.invoice_id} ({paid.month})",
            date_published=paid.paid,
            description=description,
        )
    )
    return {"transactions": [transaction], "documents": [report]}


def paid_invoice_sections(paid: PaidInvoice, *, contract_id: str, award_id: str) -> dict[str, Any]:
    """parties (payer and payee, with all their roles) and the contract's implementation for a paid invoice."""
    return {
        "parties": [ocds.party(party_id=p.party_id, name=p.name, roles=p.roles) for p in (paid.payer, paid.payee)],
        "contracts": [{"id": contract_id, "awardID": award_id, "implementation": paid_invoice_implementation(paid)}],
    }
