"""`civicpact finance export | payments | index`: the examples in docs/examples/ run, a second export exports
nothing twice, bad input exits 2 with one line naming what to fix, data that fails the check exits 1 with a line
per problem and imports nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from civicpact.cli import SCHEMAS, main
from civicpact.domain.invoicing import CSV_COLUMNS
from civicpact.finance.models import IndexValue, Invoice

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def today():
    return timezone.localdate().isoformat()


def test_export_writes_json_valid_against_its_schema_and_exports_nothing_twice(tmp_path, capsys, approved):
    out = tmp_path / "export.json"
    assert (
        main(["finance", "export", "--since", today(), "--format", "json", "--out", str(out), "--user", "analyst"])
        == 0
    )
    document = json.loads(out.read_text())
    schema = json.loads((SCHEMAS / "finance-export.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    assert [i["invoice_id"] for i in document["invoices"]] == [approved.pk]
    assert "exported 1 invoice(s)" in capsys.readouterr().err
    again = tmp_path / "again.csv"
    assert (
        main(["finance", "export", "--since", today(), "--format", "csv", "--out", str(again), "--user", "analyst"])
        == 0
    )
    assert again.read_text().splitlines() == [",".join(CSV_COLUMNS)]  # the header alone
    assert (
        main(
            [
                "finance",
                "export",
                "--since",
                today(),
                "--format",
                "csv",
                "--out",
                str(again),
                "--again",
                "--user",
                "analyst",
            ]
        )
        == 0
    )
    assert len(again.read_text().strip().splitlines()) == 2


def test_export_to_standard_output(capsys, approved):
    assert main(["finance", "export", "--since", today(), "--format", "csv", "--out", "-", "--user", "analyst"]) == 0
    assert capsys.readouterr().out.startswith("invoice_id,kind,contract_id")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (
            ["--since", "yesterday", "--format", "csv", "--out", "-", "--user", "analyst"],
            "is not a date: write YYYY-MM-DD",
        ),
        (
            ["--since", "2025-01-01", "--format", "csv", "--out", "/no/such/dir/x.csv", "--user", "analyst"],
            "no such directory",
        ),
        (["--since", "2025-01-01", "--format", "csv", "--out", "-", "--user", "nobody"], "no user has the username"),
        (
            ["--since", "2025-01-01", "--format", "csv", "--out", "-", "--user", "manager"],
            "Only finance analysts export",
        ),
    ],
)
def test_export_bad_usage_is_exit_2_with_one_line(capsys, city, arguments, words):
    assert main(["finance", "export", *arguments]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1


def test_the_payments_example_is_valid_and_runs(tmp_path, capsys, approved):
    example = json.loads((EXAMPLES / "payments.json").read_text())
    schema = json.loads((SCHEMAS / "payments.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(example)) == []
    # the example pays invoice 1 on a fixed day; here it pays this test's invoice today, for the same amount
    (payment,) = example["payments"]
    assert payment["amount"] == str(approved.gross)
    payment |= {"invoice_id": approved.pk, "paid_on": today()}
    path = tmp_path / "payments.json"
    path.write_text(json.dumps(example))
    assert main(["finance", "payments", str(path), "--user", "analyst"]) == 0
    assert "1 invoice(s) paid, 0 already recorded" in capsys.readouterr().out
    assert Invoice.objects.get(pk=approved.pk).status == "paid"
    assert main(["finance", "payments", str(path), "--user", "analyst", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == [approved.pk]


def test_payments_that_match_no_approved_invoice_exit_1_line_by_line(tmp_path, capsys, approved):
    path = tmp_path / "payments.json"
    lines = [
        {
            "invoice_id": approved.pk,
            "paid_on": today(),
            "amount": "123000.00",
            "currency": "EUR",
            "payment_reference": "A",
        },
        {"invoice_id": 999, "paid_on": today(), "amount": "5.00", "currency": "EUR", "payment_reference": "B"},
        {
            "invoice_id": approved.pk + 1000,
            "paid_on": today(),
            "amount": "5.00",
            "currency": "EUR",
            "payment_reference": "C",
        },
    ]
    path.write_text(json.dumps({"format": 1, "payments": lines}))
    assert main(["finance", "payments", str(path), "--user", "analyst"]) == 1
    out = capsys.readouterr().out
    assert "refused, nothing imported; 2 problem(s)" in out
    assert "line 2: invoice_id: No invoice has the id 999." in out
    assert "line 3: invoice_id" in out
    assert Invoice.objects.get(pk=approved.pk).status == "approved"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "is not valid JSON: line 1 column 1"),
        ('{"format": 1, "payments": []}', "payments: [] should be non-empty"),
        ('{"format": 1, "payments": [{"invoice_id": "x"}]}', "payments/0"),
    ],
)
def test_a_payments_file_not_in_its_format_is_exit_2_with_one_line(tmp_path, capsys, city, content, words):
    path = tmp_path / "payments.json"
    path.write_text(content)
    assert main(["finance", "payments", str(path), "--user", "analyst"]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1


def test_the_index_example_imports_and_a_second_run_changes_nothing(capsys, city):
    example = EXAMPLES / "index-cpi.csv"
    schema = json.loads((SCHEMAS / "index-row.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    rows = list(csv.DictReader(io.StringIO(example.read_text())))
    assert all(list(Draft202012Validator(schema).iter_errors(row)) == [] for row in rows)
    assert main(["finance", "index", str(example), "--series", "CPI", "--user", "analyst"]) == 0
    assert f"{len(rows)} value(s) added to CPI, 0 already stored" in capsys.readouterr().out
    assert main(["finance", "index", str(example), "--series", "CPI", "--user", "analyst", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 0
    assert IndexValue.objects.count() == len(rows)


def test_an_index_file_that_changes_a_stored_value_exits_1_and_stores_nothing(tmp_path, capsys, city):
    main(["finance", "index", str(EXAMPLES / "index-cpi.csv"), "--series", "CPI", "--user", "analyst"])
    capsys.readouterr()
    path = tmp_path / "cpi.csv"
    path.write_text("month,value\n2026-01,124.0\n2023-12,999\n")
    assert main(["finance", "index", str(path), "--series", "CPI", "--user", "analyst"]) == 1
    assert "line 3: value: CPI 2023-12 is already stored as 117.3000" in capsys.readouterr().out
    assert not IndexValue.objects.filter(month="2026-01").exists()


@pytest.mark.parametrize("value", ["lots", "101", "5.555"])
def test_a_malformed_vat_setting_is_bad_usage_with_its_name(value):
    import os
    import subprocess
    import sys

    env = dict(os.environ, CIVICPACT_VAT_PERCENT=value)
    result = subprocess.run(
        [sys.executable, "-m", "civicpact.cli", "verify-audit"], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 2
    assert "CIVICPACT_VAT_PERCENT must be a percentage" in result.stderr
