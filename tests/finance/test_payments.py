"""Payment confirmations from the finance system: matched line by line with approved invoices and imported all or
nothing; a paid invoice is published in OCDS by revising its statement's transaction (one transaction per
statement, never counted twice), and the release package passes the PPP profile's schema."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicpact.domain.ocds import format_date
from civicpact.finance import services
from civicpact.finance.models import Invoice, PaymentImport
from civicpact.ledger.models import Release
from civicpact.transparency import compiled
from tests.contracts.test_contracts import package_errors
from tests.finance.conftest import issue, payments


def today():
    return timezone.localdate().isoformat()


def test_a_payment_marks_the_invoice_paid_and_publishes_the_statements_transaction_as_paid(analyst, approved, metered):
    report = services.payments_import(
        actor=analyst, document=payments((approved.pk, today(), "123000.00", "PAY-1")), source="api"
    )
    assert report.ok, report.problems
    assert (report.paid, report.unchanged) == ([approved.pk], [])
    approved.refresh_from_db()
    assert (approved.status, approved.paid_on, approved.paid_amount) == (
        "paid",
        timezone.localdate(),
        Decimal("123000.00"),
    )
    assert approved.payment_reference == "PAY-1"
    release = Release.objects.filter(ocid=metered.project.ocid).latest("date")
    assert release.tags == ["implementation"]
    (contract,) = release.body["contracts"]
    (transaction,) = contract["implementation"]["transactions"]
    assert transaction["id"] == f"statement-{approved.statement_id}"
    assert transaction["value"] == {"amount": 123000.0, "currency": "EUR"}
    assert transaction["date"].startswith(format_date(timezone.now())[:4])
    (document,) = contract["implementation"]["documents"]
    assert document["id"] == f"invoice-{approved.pk}-payment"
    assert package_errors(metered.project.ocid) == []


def test_the_compiled_record_counts_each_statement_once(analyst, approved, metered):
    services.payments_import(
        actor=analyst, document=payments((approved.pk, today(), "123000.00", "PAY-1")), source="api"
    )
    record = compiled.record_get(ocid=metered.project.ocid)
    assert record is not None
    transactions = [
        t for c in record["compiledRelease"]["contracts"] for t in c.get("implementation", {}).get("transactions", [])
    ]
    assert [(t["id"], t["value"]["amount"]) for t in transactions] == [
        (f"statement-{approved.statement_id}", 123000.0)
    ]


def test_the_same_file_twice_changes_nothing_the_second_time(analyst, approved, metered):
    document = payments((approved.pk, today(), "123000.00", "PAY-1"))
    services.payments_import(actor=analyst, document=document, source="cli")
    releases = Release.objects.count()
    report = services.payments_import(actor=analyst, document=document, source="cli")
    assert report.ok
    assert (report.paid, report.unchanged) == ([], [approved.pk])
    assert Release.objects.count() == releases


def test_a_file_with_a_bad_line_imports_nothing_and_reports_every_line(analyst, approved, manager, metered, terms):
    yesterday = (timezone.localdate() - timedelta(days=400)).isoformat()
    document = payments(
        (approved.pk, today(), "123000.00", "PAY-1"),  # fine, but not imported because of the others
        (999, today(), "1.00", "PAY-2"),
        (approved.pk, today(), "123000.00", "PAY-3"),
    )
    document["payments"].append(
        {
            "invoice_id": approved.pk + 0,
            "paid_on": yesterday,
            "amount": "1",
            "currency": "EUR",
            "payment_reference": "X",
        }
    )
    report = services.payments_import(actor=analyst, document=document, source="api")
    assert not report.ok
    assert [(p.line, p.field) for p in report.problems] == [(2, "invoice_id"), (3, "invoice_id"), (4, "invoice_id")]
    assert "No invoice has the id 999" in report.problems[0].message
    assert Invoice.objects.get(pk=approved.pk).status == "approved"
    assert not PaymentImport.objects.exists()


@pytest.mark.parametrize(
    ("amount", "field", "words"),
    [("122999.99", "amount", "does not match invoice"), ("123000.01", "amount", "gross amount of 123000.00 EUR")],
)
def test_an_amount_that_does_not_match_to_the_cent_is_refused(analyst, approved, amount, field, words):
    report = services.payments_import(
        actor=analyst, document=payments((approved.pk, today(), amount, "PAY-1")), source="api"
    )
    (problem,) = report.problems
    assert (problem.line, problem.field) == (1, field)
    assert words in problem.message
    assert Invoice.objects.get(pk=approved.pk).status == "approved"


def test_a_payment_for_an_invoice_not_approved_is_refused(analyst, invoice):
    report = services.payments_import(
        actor=analyst, document=payments((invoice.pk, today(), "123000.00", "PAY-1")), source="api"
    )
    assert "is pending: only an approved one is paid" in report.problems[0].message


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"format": 2, "payments": []}, "format"),
        ({"format": 1}, "(top level)"),
        ({"format": 1, "payments": [{"invoice_id": 1}]}, "payments/0"),
        (
            {
                "format": 1,
                "payments": [
                    {
                        "invoice_id": 1,
                        "paid_on": "2025-01-01",
                        "amount": "1.001",
                        "currency": "EUR",
                        "payment_reference": "x",
                    }
                ],
            },
            "payments/0/amount",
        ),
        ("not an object", "(top level)"),
    ],
)
def test_a_document_against_the_schema_is_refused_naming_the_field(analyst, document, where):
    report = services.payments_import(actor=analyst, document=document, source="api")
    assert not report.ok
    assert where in [p.field for p in report.problems]


def test_an_impossible_date_is_a_problem_not_an_error(analyst, approved):
    report = services.payments_import(
        actor=analyst, document=payments((approved.pk, "2025-02-30", "123000.00", "PAY-1")), source="api"
    )
    assert (report.problems[0].line, report.problems[0].field) == (1, "payments/0/paid_on")


@pytest.mark.parametrize("who", ["manager", "officer", "auditor", "supplier", "lead"])
def test_only_finance_analysts_record_payments(request, who, approved):
    with pytest.raises(PermissionDenied):
        services.payments_import(
            actor=request.getfixturevalue(who),
            document=payments((approved.pk, today(), "123000.00", "PAY-1")),
            source="api",
        )


def test_a_paid_credit_note_publishes_a_negative_transaction(tmp_path, analyst, manager, metered, terms):
    from civicpact.performance import services as performance
    from tests.performance.test_publication import ingest
    from tests.performance.test_statements import last_month, telemetry_csv

    month, start = last_month()
    first = issue(manager, metered, month)
    ingest(manager, metered, telemetry_csv(tmp_path / "late.csv", start, down_quarters=6))
    correction = performance.statement_correct(actor=manager, statement_id=first.pk, reason="Late telemetry.")
    correction = performance.statement_issue(actor=manager, statement_id=correction.pk)
    credit = Invoice.objects.get(statement=correction)
    services.invoice_approve(actor=analyst, invoice_id=credit.pk, expected_version=1)
    report = services.payments_import(
        actor=analyst, document=payments((credit.pk, today(), credit.gross, "CN-1")), source="api"
    )
    assert report.ok, report.problems
    release = Release.objects.filter(ocid=metered.project.ocid).latest("date")
    (transaction,) = release.body["contracts"][0]["implementation"]["transactions"]
    assert transaction["id"] == f"statement-{correction.pk}"
    assert transaction["value"]["amount"] == float(credit.gross) < 0
    assert package_errors(metered.project.ocid) == []
