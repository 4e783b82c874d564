"""The invoice an issued statement becomes, through the services: its amounts (VAT, indexation), the partner's
reference, the four-eyes approval or rejection, stale edits, and the finance terms that price it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.finance import services
from civicpact.finance.exceptions import FinanceError, StaleVersion
from civicpact.finance.models import FinanceTerms, IndexValue, Invoice
from civicpact.ledger.models import AuditEvent
from civicpact.performance import services as performance
from tests.finance.conftest import issue
from tests.performance.test_publication import ingest
from tests.performance.test_statements import last_month, telemetry_csv


def test_issuing_a_statement_makes_its_invoice_with_vat_at_the_default_rate(manager, metered, terms):
    statement = issue(manager, metered)
    invoice = Invoice.objects.get(statement=statement)
    assert (invoice.status, invoice.kind, invoice.month) == ("pending", "invoice", statement.month)
    assert invoice.base_amount == invoice.net == statement.net == Decimal("100000.00")
    assert (invoice.vat_percent, invoice.vat, invoice.gross) == (
        Decimal(23),
        Decimal("23000.00"),
        Decimal("123000.00"),
    )
    assert invoice.invoice_date == invoice.received_on == timezone.localdate(statement.issued_at)
    assert invoice.due_date == invoice.invoice_date + timedelta(days=30)
    assert invoice.currency == "EUR"
    assert AuditEvent.objects.filter(action="invoice.create").count() == 1


def test_the_vat_rate_and_payment_days_come_from_the_settings_when_the_contract_has_no_terms(
    settings, manager, metered
):
    settings.CIVICPACT_VAT_PERCENT = "5.5"
    settings.CIVICPACT_PAYMENT_DAYS = 60
    invoice = Invoice.objects.get(statement=issue(manager, metered))
    assert (invoice.vat, invoice.gross) == (Decimal("5500.00"), Decimal("105500.00"))
    assert invoice.due_date == invoice.invoice_date + timedelta(days=60)


def test_a_draft_statement_has_no_invoice(manager, metered):
    performance.statement_compute(actor=manager, contract_id=metered.pk, month=last_month()[0])
    assert not Invoice.objects.exists()


def test_the_contracts_own_vat_rate_reprices_its_open_invoices(analyst, invoice, terms):
    services.terms_save(
        actor=analyst,
        contract_id=invoice.contract_id,
        expected_version=terms.version,
        vat_percent=Decimal("6"),
        payment_days=45,
        budget_line=terms.budget_line,
    )
    invoice.refresh_from_db()
    assert (invoice.vat, invoice.gross, invoice.version) == (Decimal("6000.00"), Decimal("106000.00"), 2)
    assert invoice.due_date == invoice.received_on + timedelta(days=45)


def test_an_approved_invoice_keeps_its_amounts_when_the_terms_change(analyst, approved, terms):
    services.terms_save(
        actor=analyst,
        contract_id=approved.contract_id,
        expected_version=terms.version,
        vat_percent=Decimal("0"),
        payment_days=None,
        budget_line="other",
    )
    approved.refresh_from_db()
    assert approved.gross == Decimal("123000.00")


def test_a_correction_invoices_the_difference_and_a_lower_one_is_a_credit_note(tmp_path, manager, metered, terms):
    month, start = last_month()
    first = issue(manager, metered, month)
    ingest(manager, metered, telemetry_csv(tmp_path / "late.csv", start, down_quarters=6))
    correction = performance.statement_correct(actor=manager, statement_id=first.pk, reason="Late telemetry.")
    correction = performance.statement_issue(actor=manager, statement_id=correction.pk)
    credit = Invoice.objects.get(statement=correction)
    assert credit.kind == "credit_note"
    assert credit.base_amount == correction.net - first.net < 0
    assert credit.gross == credit.net + credit.vat < 0


def test_a_correction_that_changes_nothing_makes_no_invoice(manager, metered, terms):
    first = issue(manager, metered)
    correction = performance.statement_correct(actor=manager, statement_id=first.pk, reason="Checked again.")
    performance.statement_issue(actor=manager, statement_id=correction.pk)
    assert Invoice.objects.count() == 1


# --- the partner's reference ---------------------------------------------------------------------------------------


def test_the_partner_gives_its_invoice_number_and_the_payment_days_count_from_then(supplier, invoice):
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later):
        done = services.invoice_reference(
            actor=supplier, invoice_id=invoice.pk, expected_version=1, reference=" LG-2025-031 "
        )
    assert done.supplier_reference == "LG-2025-031"
    assert done.received_on == timezone.localdate(later)
    assert done.due_date == done.received_on + timedelta(days=30)
    assert done.version == 2


@pytest.mark.parametrize("who", ["other_supplier", "analyst", "manager"])
def test_only_the_partner_gives_the_invoice_reference(request, who, invoice):
    with pytest.raises(PermissionDenied):
        services.invoice_reference(
            actor=request.getfixturevalue(who), invoice_id=invoice.pk, expected_version=1, reference="X"
        )


@pytest.mark.parametrize("reference", ["", "   ", "x" * 101])
def test_an_empty_or_long_reference_is_refused(supplier, invoice, reference):
    with pytest.raises(ValidationError) as caught:
        services.invoice_reference(actor=supplier, invoice_id=invoice.pk, expected_version=1, reference=reference)
    assert "reference" in caught.value.message_dict


def test_the_reference_of_an_approved_invoice_is_final(supplier, approved):
    with pytest.raises(FinanceError, match="its reference is final"):
        services.invoice_reference(
            actor=supplier, invoice_id=approved.pk, expected_version=approved.version, reference="X"
        )


# --- approval ------------------------------------------------------------------------------------------------------


def test_a_finance_analyst_approves_the_invoice(analyst, invoice):
    done = services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=1)
    assert (done.status, done.decided_by, done.version) == ("approved", analyst, 2)
    assert done.approved_at is not None
    assert AuditEvent.objects.filter(action="invoice.approve").exists()


@pytest.mark.parametrize("who", ["manager", "officer", "auditor", "lead", "supplier", "other_supplier"])
def test_only_finance_analysts_approve_or_reject(request, who, invoice):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.invoice_approve(actor=actor, invoice_id=invoice.pk, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.invoice_reject(actor=actor, invoice_id=invoice.pk, expected_version=1, reason="No.")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.version) == ("pending", 1)


def test_four_eyes_whoever_issued_the_statement_does_not_approve_its_invoice(admin_user, analyst, metered, terms):
    statement = issue(admin_user, metered)
    invoice = Invoice.objects.get(statement=statement)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        services.invoice_approve(actor=admin_user, invoice_id=invoice.pk, expected_version=1)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        services.invoice_reject(actor=admin_user, invoice_id=invoice.pk, expected_version=1, reason="Mine.")
    assert services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=1).status == "approved"


def test_an_administrator_who_did_not_issue_the_statement_may_approve(admin_user, invoice):
    assert services.invoice_approve(actor=admin_user, invoice_id=invoice.pk, expected_version=1).status == "approved"


def test_a_stale_approval_is_refused_and_changes_nothing(analyst, supplier, invoice):
    services.invoice_reference(actor=supplier, invoice_id=invoice.pk, expected_version=1, reference="LG-1")
    with pytest.raises(StaleVersion, match="you saw version 1; version 2 was saved by Sam Supplier"):
        services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=1)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.supplier_reference) == ("pending", "LG-1")


def test_approval_needs_the_contracts_budget_line(analyst, manager, metered):
    invoice = Invoice.objects.get(statement=issue(manager, metered))
    with pytest.raises(FinanceError, match="budget line"):
        services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=1)


def test_an_approved_invoice_is_not_approved_or_rejected_again(analyst, approved):
    with pytest.raises(FinanceError, match="this one is approved"):
        services.invoice_approve(actor=analyst, invoice_id=approved.pk, expected_version=approved.version)
    with pytest.raises(FinanceError, match="this one is approved"):
        services.invoice_reject(actor=analyst, invoice_id=approved.pk, expected_version=approved.version, reason="x")


def test_a_rejection_needs_a_reason_and_the_partners_new_reference_sends_it_back(analyst, supplier, invoice):
    with pytest.raises(ValidationError):
        services.invoice_reject(actor=analyst, invoice_id=invoice.pk, expected_version=1, reason=" ")
    rejected = services.invoice_reject(
        actor=analyst, invoice_id=invoice.pk, expected_version=1, reason="Your invoice number is missing."
    )
    assert (rejected.status, rejected.decision_reason) == ("rejected", "Your invoice number is missing.")
    again = services.invoice_reference(actor=supplier, invoice_id=invoice.pk, expected_version=2, reference="LG-7")
    assert again.status == "pending"
    assert services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=3).status == "approved"


def test_an_unknown_invoice_is_a_clear_refusal(analyst):
    with pytest.raises(FinanceError, match="No invoice has the id 999"):
        services.invoice_approve(actor=analyst, invoice_id=999, expected_version=1)


# --- finance terms -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vat_percent": Decimal("101")}, "vat_percent"),
        ({"vat_percent": Decimal("-1")}, "vat_percent"),
        ({"payment_days": 400}, "payment_days"),
        (
            {"index_series_key": "NOPE", "index_base_month": "2024-01", "index_base_date": date(2024, 1, 1)},
            "index_series",
        ),
        (
            {"index_series_key": "CPI", "index_base_month": "2024-13", "index_base_date": date(2024, 1, 1)},
            "index_base_month",
        ),
    ],
)
def test_bad_finance_terms_name_the_field_and_save_nothing(analyst, metered, changes, field):
    values = {"vat_percent": None, "payment_days": None, "budget_line": "x"} | changes
    with pytest.raises(ValidationError) as caught:
        services.terms_save(actor=analyst, contract_id=metered.pk, expected_version=0, **values)
    assert field in caught.value.message_dict
    assert not FinanceTerms.objects.exists()


def test_finance_terms_are_the_finance_analysts(manager, metered):
    with pytest.raises(PermissionDenied):
        services.terms_save(
            actor=manager,
            contract_id=metered.pk,
            expected_version=0,
            vat_percent=None,
            payment_days=None,
            budget_line="",
        )


def test_stale_finance_terms_are_refused(analyst, terms):
    with pytest.raises(StaleVersion):
        services.terms_save(
            actor=analyst,
            contract_id=terms.contract_id,
            expected_version=0,
            vat_percent=None,
            payment_days=None,
            budget_line="y",
        )
    terms.refresh_from_db()
    assert terms.budget_line == "4.2.13 Street lighting services"


# --- indexation ----------------------------------------------------------------------------------------------------


def cpi(analyst, text):
    return services.index_import(actor=analyst, series_key="CPI", text=text, name="Consumer prices")


def test_an_indexed_contracts_invoice_waits_for_the_index_then_is_priced_with_it(analyst, manager, metered, terms):
    month = last_month()[0]
    base_date = date(int(month[:4]) - 1, int(month[5:]), 1)  # the first anniversary starts the statement month
    base_month = f"{base_date.year}-{base_date.month:02d}"
    cpi(analyst, f"month,value\n{base_month},100.0\n")
    services.terms_save(
        actor=analyst,
        contract_id=metered.pk,
        expected_version=terms.version,
        vat_percent=None,
        payment_days=None,
        budget_line=terms.budget_line,
        index_series_key="CPI",
        index_base_month=base_month,
        index_base_date=base_date,
    )
    invoice = Invoice.objects.get(statement=issue(manager, metered))
    assert invoice.status == "awaiting_index"
    with pytest.raises(FinanceError, match="waits for its month's index value"):
        services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=invoice.version)
    report = cpi(analyst, f"month,value\n{base_month},100.0\n{month},103.5\n")
    assert (report.ok, report.added, report.unchanged, report.repriced) == (True, 1, 1, 1)
    invoice.refresh_from_db()
    assert invoice.status == "pending"
    assert (invoice.base_amount, invoice.net, invoice.gross) == (
        Decimal("100000.00"),
        Decimal("103500.00"),
        Decimal("127305.00"),
    )
    assert invoice.indexation == {
        "series": "CPI",
        "base_month": base_month,
        "reference_month": month,
        "base_value": "100.0000",
        "index_value": "103.5000",
    }


def test_a_conflicting_index_file_stores_nothing_and_names_its_lines(analyst):
    cpi(analyst, "month,value\n2024-01,100\n")
    report = cpi(analyst, "month,value\n2024-02,101\n2024-01,99\n")
    assert not report.ok
    assert [(p.line, p.field) for p in report.problems] == [(3, "value")]
    assert list(IndexValue.objects.values_list("month", flat=True)) == ["2024-01"]


def test_a_bad_index_file_is_reported_line_by_line(analyst):
    report = cpi(analyst, "month,value\n2024-01,x\n2024-13,1\n")
    assert [(p.line, p.field) for p in report.problems] == [(2, "value"), (3, "month")]
    assert not IndexValue.objects.exists()


@pytest.mark.parametrize("key", ["", "C P I", "x" * 33])
def test_a_bad_series_key_is_refused(analyst, key):
    with pytest.raises(ValidationError):
        services.index_import(actor=analyst, series_key=key, text="month,value\n2024-01,1\n")


def test_index_series_are_imported_by_finance_analysts_only(manager):
    with pytest.raises(PermissionDenied):
        services.index_import(actor=manager, series_key="CPI", text="month,value\n2024-01,1\n")


def test_uneven_amounts_are_saved_exactly(tmp_path, manager, metered, terms):
    month, start = last_month()
    ingest(manager, metered, telemetry_csv(tmp_path / "t.csv", start, down_quarters=5))
    invoice = Invoice.objects.get(statement=issue(manager, metered, month))
    invoice.refresh_from_db()
    assert invoice.net != invoice.net.to_integral_value()
    assert invoice.gross == invoice.net + invoice.vat
    assert invoice.vat == (invoice.net * Decimal("0.23")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_the_demo_pays_the_street_lightings_first_invoice_and_approves_the_second(db):
    from civicpact.demo.seed import seed_demo_city
    from civicpact.finance.models import FinanceExport, PaymentImport

    seed_demo_city()
    assert list(Invoice.objects.order_by("month").values_list("status", flat=True)[:2]) == ["paid", "approved"]
    assert (FinanceExport.objects.count(), PaymentImport.objects.count()) == (1, 1)
    seed_demo_city()  # a second run changes nothing
    assert (FinanceExport.objects.count(), PaymentImport.objects.count()) == (1, 1)
