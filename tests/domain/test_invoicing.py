"""The finance hand-off's rules on plain values: indexation (annual, from a base date), VAT and gross, due dates,
the index CSV, the payment confirmations' checks, the export rows and the OCDS transaction of a paid invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain import invoicing
from civicpact.domain.invoicing import (
    Indexation,
    IndexationTerms,
    InvoicingInputError,
    MissingIndex,
    PayableInvoice,
    PaymentLine,
)
from civicpact.domain.money import exact_to_cents, to_cents
from civicpact.domain.ocds import ContractParty

amounts = st.decimals(min_value=0, max_value=Decimal("100000000"), places=2, allow_nan=False, allow_infinity=False)
signed_amounts = st.decimals(
    min_value=Decimal("-100000000"), max_value=Decimal("100000000"), places=2, allow_nan=False, allow_infinity=False
)
indices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=4)
rates = st.decimals(min_value=0, max_value=100, places=2)

TERMS = IndexationTerms(series="CPI", base_month="2023-12", base_date=date(2024, 4, 1))


# --- indexation ----------------------------------------------------------------------------------------------------


@given(amount=signed_amounts, index=indices)
def test_indexation_is_the_identity_when_the_index_equals_the_base(amount, index):
    assert invoicing.indexed_amount(amount, index_value=index, base_value=index) == amount


@given(amount=amounts, base=indices, low=indices, high=indices)
def test_indexation_is_monotonic_in_the_index(amount, base, low, high):
    low, high = sorted((low, high))
    assert invoicing.indexed_amount(amount, index_value=low, base_value=base) <= invoicing.indexed_amount(
        amount, index_value=high, base_value=base
    )


@given(amount=amounts, base=indices, index=indices)
def test_an_indexed_amount_is_the_exact_ratio_rounded_once_to_the_cent(amount, base, index):
    result = invoicing.indexed_amount(amount, index_value=index, base_value=base)
    exact = amount * index / base  # Decimal's 28 digits are plenty to bound it
    assert abs(result - exact) <= Decimal("0.005") + Decimal("1e-15")
    assert result == to_cents(result)


def test_a_half_cent_rounds_away_from_zero():
    assert invoicing.indexed_amount(Decimal("0.01"), index_value=Decimal(3), base_value=Decimal(2)) == Decimal("0.02")
    assert invoicing.indexed_amount(Decimal("-0.01"), index_value=Decimal(3), base_value=Decimal(2)) == Decimal(
        "-0.02"
    )


@pytest.mark.parametrize(
    ("month", "reference"),
    [
        ("2024-01", "2023-12"),  # before the base date: no review yet
        ("2024-04", "2023-12"),
        ("2025-03", "2023-12"),
        ("2025-04", "2024-12"),  # the first anniversary, 1 April 2025, starts the month
        ("2026-03", "2024-12"),
        ("2026-04", "2025-12"),
        ("2034-07", "2033-12"),
    ],
)
def test_the_reference_month_moves_on_twelve_months_at_each_anniversary_of_the_base_date(month, reference):
    assert invoicing.reference_month(TERMS, month) == reference


def test_an_anniversary_within_a_month_applies_from_the_next_month():
    terms = IndexationTerms(series="CPI", base_month="2024-01", base_date=date(2024, 4, 15))
    assert invoicing.reference_month(terms, "2025-04") == "2024-01"
    assert invoicing.reference_month(terms, "2025-05") == "2025-01"


def test_a_base_date_on_29_february_has_its_anniversary_on_28_february():
    terms = IndexationTerms(series="CPI", base_month="2024-01", base_date=date(2024, 2, 29))
    assert invoicing.anniversary(terms.base_date, 1) == date(2025, 2, 28)
    assert invoicing.reference_month(terms, "2025-03") == "2025-01"


@given(month_index=st.integers(min_value=2000 * 12, max_value=2100 * 12))
def test_the_reference_month_never_goes_back_and_never_passes_the_month(month_index):
    month = f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
    following = invoicing.add_months(month, 1)
    here, there = invoicing.reference_month(TERMS, month), invoicing.reference_month(TERMS, following)
    assert TERMS.base_month <= here <= there
    assert here <= month or here == TERMS.base_month


def test_before_the_first_review_the_factor_is_one_and_only_the_base_value_is_needed():
    found = invoicing.indexation_for(TERMS, "2024-06", {"2023-12": Decimal("117.3")})
    assert found.factor == 1
    assert found.reference_month == "2023-12"


def test_a_missing_index_value_names_the_series_and_the_month():
    with pytest.raises(MissingIndex, match="The CPI index for 2024-12 is not stored yet"):
        invoicing.indexation_for(TERMS, "2025-05", {"2023-12": Decimal("117.3")})
    with pytest.raises(MissingIndex, match="2023-12"):
        invoicing.indexation_for(TERMS, "2024-06", {})


def test_a_bad_base_month_is_refused():
    with pytest.raises(InvoicingInputError, match="is not a month"):
        IndexationTerms(series="CPI", base_month="2023-13", base_date=date(2024, 1, 1))


# --- amounts -------------------------------------------------------------------------------------------------------


@given(base=signed_amounts, rate=rates)
def test_gross_is_net_plus_vat_and_vat_is_the_rate_of_net_to_the_cent(base, rate):
    result = invoicing.invoice_amounts(base, vat_percent=rate)
    assert result.net == base
    assert result.gross == result.net + result.vat
    assert abs(result.vat - base * rate / 100) <= Decimal("0.005")


@given(base=amounts, rate=rates, index=indices)
def test_vat_is_charged_on_the_indexed_amount(base, rate, index):
    applied = Indexation("CPI", "2023-12", "2024-12", Decimal(100), index)
    result = invoicing.invoice_amounts(base, vat_percent=rate, indexation=applied)
    assert result.net == invoicing.indexed_amount(base, index_value=index, base_value=Decimal(100))
    assert result.vat == exact_to_cents(Fraction(result.net) * Fraction(rate) / 100)


def test_an_example_invoice():
    applied = Indexation("CPI", "2023-12", "2024-12", Decimal("117.30"), Decimal("120.45"))
    result = invoicing.invoice_amounts(Decimal("98765.43"), vat_percent=Decimal(23), indexation=applied)
    # 98765.43 * 120.45 / 117.30 = 101417.6985…; VAT 23% of 101417.70 = 23326.071
    assert (result.net, result.vat, result.gross) == (
        Decimal("101417.70"),
        Decimal("23326.07"),
        Decimal("124743.77"),
    )


@pytest.mark.parametrize("rate", [Decimal("-1"), Decimal("100.01"), Decimal("5.555"), Decimal("NaN")])
def test_a_vat_rate_outside_0_to_100_or_with_three_decimals_is_refused(rate):
    with pytest.raises(InvoicingInputError) as caught:
        invoicing.invoice_amounts(Decimal(1), vat_percent=rate)
    assert caught.value.field == "vat_percent"


def test_the_due_date_counts_the_payment_days_from_receipt():
    assert invoicing.due_date(date(2025, 1, 31), 30) == date(2025, 3, 2)
    with pytest.raises(InvoicingInputError):
        invoicing.due_date(date(2025, 1, 31), -1)


# --- the index CSV -------------------------------------------------------------------------------------------------


def test_index_rows_are_read_with_their_lines():
    rows, problems = invoicing.index_rows("month,value\n2024-01,118.42\n2024-02, 118.9\n")
    assert problems == []
    assert [(r.line, r.month, r.value) for r in rows] == [
        (2, "2024-01", Decimal("118.42")),
        (3, "2024-02", Decimal("118.9")),
    ]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("mois,valeur\n2024-01,1\n", 1, "header", "needs the columns month and value"),
        ("month,value,note\n2024-01,1,x\n", 1, "header", "Unknown column(s): note"),
        ("month,value\n", 1, "file", "no rows"),
        ("month,value\n2024-1,118\n", 2, "month", "is not a month"),
        ("month,value\n2024-01,lots\n", 2, "value", "is not a number"),
        ("month,value\n2024-01,0\n", 2, "value", "above 0"),
        ("month,value\n2024-01,1.23456\n", 2, "value", "more than 4 decimals"),
        ("month,value\n2024-01,1\n2024-01,2\n", 3, "month", "already on line 2"),
    ],
)
def test_a_bad_index_line_is_named(text, line, field, words):
    _, problems = invoicing.index_rows(text)
    assert (problems[0].line, problems[0].field) == (line, field)
    assert words in problems[0].message


def test_a_stored_index_value_is_never_changed_but_the_same_value_again_is_fine():
    rows, _ = invoicing.index_rows("month,value\n2024-01,118.42\n2024-02,119\n")
    stored = {"2024-01": Decimal("118.420"), "2024-02": Decimal("118.5")}
    (problem,) = invoicing.index_conflicts(rows, stored, "CPI")
    assert problem.line == 3
    assert "CPI 2024-02 is already stored as 118.5" in problem.message


# --- payments ------------------------------------------------------------------------------------------------------

TODAY = date(2025, 6, 30)


def approved(ident, gross="123.00", **extra):
    values: dict[str, Any] = {
        "status": "approved",
        "gross": Decimal(gross),
        "currency": "EUR",
        "approved_on": date(2025, 6, 1),
    }
    return PayableInvoice(invoice_id=ident, **(values | extra))


def pay(line, ident, amount="123.00", paid_on=date(2025, 6, 20), currency="EUR", reference="PAY-1"):
    return PaymentLine(line, ident, paid_on, Decimal(amount), currency, reference)


def test_payments_matching_approved_invoices_are_to_pay():
    check = invoicing.check_payments(
        [pay(1, 7), pay(2, 8, "50.5")], {7: approved(7), 8: approved(8, "50.50")}, today=TODAY
    )
    assert check.ok
    assert [p.invoice_id for p in check.to_pay] == [7, 8]


@pytest.mark.parametrize(
    ("line", "invoices", "field", "words"),
    [
        (pay(1, 9), {}, "invoice_id", "No invoice has the id 9"),
        (
            pay(1, 7, "123.01"),
            {7: approved(7)},
            "amount",
            "123.01 EUR does not match invoice 7's gross amount of 123.00",
        ),
        (pay(1, 7, currency="USD"), {7: approved(7)}, "currency", "is in EUR, not USD"),
        (pay(1, 7), {7: approved(7, status="pending")}, "invoice_id", "Invoice 7 is pending: only an approved one"),
        (pay(1, 7), {7: approved(7, status="rejected")}, "invoice_id", "is rejected"),
        (pay(1, 7, paid_on=date(2025, 7, 1)), {7: approved(7)}, "paid_on", "is in the future"),
        (pay(1, 7, paid_on=date(2025, 5, 31)), {7: approved(7)}, "paid_on", "before invoice 7 was approved"),
        (
            pay(1, 7, reference="PAY-2"),
            {
                7: approved(
                    7, status="paid", paid_on=date(2025, 6, 20), paid_amount=Decimal(123), payment_reference="PAY-1"
                )
            },
            "invoice_id",
            "already paid (2025-06-20, reference PAY-1)",
        ),
    ],
)
def test_a_payment_that_does_not_match_an_approved_invoice_is_a_problem_on_its_line(line, invoices, field, words):
    check = invoicing.check_payments([line], invoices, today=TODAY)
    (problem,) = check.problems
    assert (problem.line, problem.field) == (1, field)
    assert words in problem.message
    assert check.to_pay == ()


def test_every_line_is_checked_and_an_invoice_paid_twice_in_a_file_is_a_problem():
    check = invoicing.check_payments([pay(1, 7), pay(2, 9), pay(3, 7)], {7: approved(7)}, today=TODAY)
    assert [(p.line, p.field) for p in check.problems] == [(2, "invoice_id"), (3, "invoice_id")]
    assert "already paid on line 1 of this file" in check.problems[1].message


def test_the_same_payment_again_changes_nothing():
    paid = approved(
        7, status="paid", paid_on=date(2025, 6, 20), paid_amount=Decimal("123.00"), payment_reference="PAY-1"
    )
    check = invoicing.check_payments([pay(1, 7)], {7: paid}, today=TODAY)
    assert check.ok
    assert (check.to_pay, [p.invoice_id for p in check.already_paid]) == ((), [7])


def test_payment_lines_read_the_document():
    (line,) = invoicing.payment_lines(
        {
            "payments": [
                {
                    "invoice_id": 3,
                    "paid_on": "2025-06-20",
                    "amount": "-10.50",
                    "currency": "EUR",
                    "payment_reference": "X",
                }
            ]
        }
    )
    assert line == PaymentLine(1, 3, date(2025, 6, 20), Decimal("-10.50"), "EUR", "X")
    with pytest.raises(InvoicingInputError, match="is not a date"):
        invoicing.payment_lines(
            {
                "payments": [
                    {
                        "invoice_id": 3,
                        "paid_on": "2025-02-30",
                        "amount": "1",
                        "currency": "EUR",
                        "payment_reference": "X",
                    }
                ]
            }
        )


# --- export and OCDS -----------------------------------------------------------------------------------------------


def exported(ident=1, indexation=None):
    return invoicing.ExportedInvoice(
        invoice_id=ident,
        kind="invoice",
        contract_id=4,
        contract_ocds_id="contract-4",
        contract_title="Lights",
        ocid="ocds-abc123-1",
        supplier=invoicing.Supplier("org-2", "Lumen Grid", "Lumen Grid S.A.", "PT", "PT123"),
        department_id="org-1",
        department_name="Energy",
        budget_line="4.2.13",
        month="2025-05",
        period_start=date(2025, 5, 1),
        period_end=date(2025, 5, 31),
        statement_id=11,
        statement_number=1,
        supplier_reference="LG-2025-05",
        invoice_date=date(2025, 6, 2),
        due_date=date(2025, 7, 2),
        approved_on=date(2025, 6, 3),
        currency="EUR",
        amounts=invoicing.invoice_amounts(Decimal("100.00"), vat_percent=Decimal(23)),
        indexation=indexation,
    )


def test_the_csv_has_a_column_per_field_and_totals_are_per_currency():
    text = invoicing.export_csv(
        [exported(1), exported(2, Indexation("CPI", "2023-12", "2024-12", Decimal(100), Decimal(101)))]
    )
    header, first, second = text.strip().split("\r\n")
    assert header.split(",") == list(invoicing.CSV_COLUMNS)
    assert first.split(",")[-7:] == ["23.00", "123.00", "", "", "", "", ""]
    assert second.split(",")[-5:] == ["CPI", "2024-12", "101", "2023-12", "100"]
    document = invoicing.export_document(
        [exported(1), exported(2)],
        export_id=5,
        created=datetime(2025, 6, 4, tzinfo=UTC),
        since=date(2025, 6, 1),
        publisher="City",
        again=False,
    )
    assert document["totals"] == {"EUR": {"net": "200.00", "vat": "46.00", "gross": "246.00"}}


def test_a_paid_invoice_revises_the_statements_transaction_with_the_amount_paid():
    paid = invoicing.PaidInvoice(
        transaction_id="statement-11",
        invoice_id=1,
        month="2025-05",
        statement_number=1,
        paid=datetime(2025, 6, 20, tzinfo=UTC),
        currency="EUR",
        amounts=invoicing.invoice_amounts(Decimal("100.00"), vat_percent=Decimal(23)),
        indexation=None,
        payer=ContractParty("org-1", "Energy", ("buyer", "payer")),
        payee=ContractParty("org-2", "Lumen Grid", ("payee", "supplier")),
    )
    sections = invoicing.paid_invoice_sections(paid, contract_id="contract-4", award_id="award-3")
    (contract,) = sections["contracts"]
    (transaction,) = contract["implementation"]["transactions"]
    assert transaction == {
        "id": "statement-11",
        "date": "2025-06-20T00:00:00.000Z",
        "value": {"amount": 123.0, "currency": "EUR"},
        "payer": {"id": "org-1", "name": "Energy"},
        "payee": {"id": "org-2", "name": "Lumen Grid"},
    }
    (document,) = contract["implementation"]["documents"]
    assert document["id"] == "invoice-1-payment"
    assert "VAT at 23% of 23.00 EUR, 123.00 EUR in all" in document["description"]
