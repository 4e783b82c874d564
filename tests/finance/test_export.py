"""The export of approved invoices for the finance system: CSV and JSON (valid against its schema), each invoice
exported once unless asked again, only by finance analysts, the file kept as sent."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from jsonschema import Draft202012Validator

from civicpact.domain.invoicing import CSV_COLUMNS
from civicpact.finance import services
from civicpact.finance.models import FinanceExport, Invoice
from civicpact.ledger.models import AuditEvent

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "src/civicpact/schemas/finance-export.schema.json").read_text()
)


def today():
    return timezone.localdate()


def test_the_json_export_holds_the_approved_invoice_and_is_valid_against_its_schema(analyst, approved, metered):
    export = services.export_create(actor=analyst, since=today(), fmt="json")
    document = json.loads(export.content)
    assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []
    assert (document["export_id"], document["count"], document["since"]) == (export.pk, 1, today().isoformat())
    (row,) = document["invoices"]
    assert row["invoice_id"] == approved.pk
    assert row["contract"]["ocds_id"] == f"contract-{metered.pk}"
    assert row["contract"]["ocid"] == metered.project.ocid
    assert row["supplier"] == {
        "id": row["supplier"]["id"],
        "name": "Lumen Grid",
        "legal_name": "Lumen Grid Lda",
        "country": "PT",
        "registration_number": "PT-514220981",
    }
    assert row["department"]["name"] == "Transport and Mobility"
    assert row["budget_line"] == "4.2.13 Street lighting services"
    assert row["period"]["month"] == approved.month
    assert (row["net"], row["vat_percent"], row["vat"], row["gross"]) == (
        "100000.00",
        "23.00",
        "23000.00",
        "123000.00",
    )
    assert row["due_date"] == approved.due_date.isoformat()
    assert row["indexation"] is None
    assert document["totals"] == {"EUR": {"net": "100000.00", "vat": "23000.00", "gross": "123000.00"}}
    approved.refresh_from_db()
    assert approved.export == export
    assert approved.exported_at is not None
    event = AuditEvent.objects.get(action="finance.export")
    assert event.payload["sha256"] == export.sha256


def test_the_csv_export_has_the_documented_columns(analyst, approved):
    export = services.export_create(actor=analyst, since=today(), fmt="csv")
    rows = list(csv.DictReader(io.StringIO(export.content)))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert (rows[0]["invoice_id"], rows[0]["gross"], rows[0]["supplier_name"]) == (
        str(approved.pk),
        "123000.00",
        "Lumen Grid",
    )


def test_an_invoice_is_exported_once_unless_asked_again(analyst, approved):
    first = services.export_create(actor=analyst, since=today(), fmt="csv")
    second = services.export_create(actor=analyst, since=today(), fmt="csv")
    assert (first.invoice_ids, second.invoice_ids) == ([approved.pk], [])
    again = services.export_create(actor=analyst, since=today(), fmt="json", again=True)
    assert again.invoice_ids == [approved.pk]
    approved.refresh_from_db()
    assert approved.export == first  # the first export stays the invoice's mark


def test_only_invoices_approved_since_the_day_are_exported(analyst, approved):
    export = services.export_create(actor=analyst, since=today() + timedelta(days=1), fmt="csv")
    assert export.count == 0
    assert Invoice.objects.get(pk=approved.pk).exported_at is None


def test_pending_and_rejected_invoices_are_not_exported(analyst, invoice):
    assert services.export_create(actor=analyst, since=today() - timedelta(days=400), fmt="csv").count == 0


@pytest.mark.parametrize("who", ["manager", "officer", "auditor", "supplier", "other_supplier", "lead"])
def test_only_finance_analysts_export(request, who, approved):
    with pytest.raises(PermissionDenied):
        services.export_create(actor=request.getfixturevalue(who), since=today(), fmt="csv")
    assert not FinanceExport.objects.exists()


def test_an_unknown_format_is_refused(analyst):
    with pytest.raises(ValidationError):
        services.export_create(actor=analyst, since=today(), fmt="xml")


def test_the_documented_example_is_valid_against_the_schema():
    text = (Path(__file__).resolve().parents[2] / "docs" / "finance-export.md").read_text()
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    assert list(Draft202012Validator(SCHEMA).iter_errors(example)) == []
    (row,) = example["invoices"]
    assert set(row) == set(SCHEMA["properties"]["invoices"]["items"]["required"])
