"""The performance pages: the regime as YAML with its versions, the register, a telemetry upload ingested in the
background with its rejection report, and the statement computed, issued and disputed — with the refusals."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from civicpact.performance.models import IngestBatch, Statement
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import REGIME, last_month, metered  # noqa: F401


def test_the_regime_page_saves_versions_names_errors_and_exports(client_for, manager, supplier, second_supplier, live):  # noqa: F811
    url = f"/contracts/{live.pk}/performance/regime/"
    bad = client_for(manager).post(
        url, {"number": 0, "text": REGIME.replace('"20"', '"30"', 1), "text_format": "yaml", "rationale": "x"}
    )
    assert bad.status_code == 400
    assert "add up to 110, not 100" in bad.content.decode()
    assert (
        client_for(supplier)
        .post(url, {"number": 0, "text": REGIME, "text_format": "yaml", "rationale": "x"})
        .status_code
        == 403
    )
    saved = client_for(manager).post(
        url, {"number": 0, "text": REGIME, "text_format": "yaml", "rationale": "Initial."}
    )
    assert saved.status_code == 302
    exported = client_for(supplier).get(url, {"export": "json"})
    assert exported["Content-Disposition"].endswith('v1.json"')
    assert b'"weighting": "80"' in exported.content
    assert client_for(second_supplier).get(f"/contracts/{live.pk}/performance/").status_code == 404


def test_an_upload_is_ingested_in_the_background_with_its_rejection_report(
    flushable_ledger,  # the worker closes the connection: the test cannot sit in one transaction
    client_for,
    manager,
    supplier,
    metered,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    month, start = last_month()
    rows = ["asset,timestamp,status"]
    rows += [f"SL-0002,{(start + timedelta(days=2, minutes=15 * q)).isoformat()},down" for q in range(6)]
    rows.append(f"SL-0077,{start.isoformat()},down")
    rows.append(f"SL-0002,{start.replace(tzinfo=None).isoformat()},down")
    upload = SimpleUploadedFile("october.csv", ("\n".join(rows) + "\n").encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supplier).post(
            f"/contracts/{metered.pk}/performance/telemetry/", {"file": upload, "feed": "samples"}
        )
    assert response.status_code == 302
    batch = IngestBatch.objects.get(contract=metered)
    assert "refresh" in client_for(supplier).get(response["Location"]).content.decode()  # queued: it refreshes
    call_command("db_worker", batch=True, verbosity=0)
    page = client_for(supplier).get(response["Location"]).content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.rows_accepted, batch.rows_rejected) == ("done", 6, 2)
    assert "SL-0077" in page or "unknown asset" in page.lower()
    report = client_for(supplier).get(response["Location"], {"report": "csv"})
    assert b"row" in b"".join(report.streaming_content)
    bad = client_for(supplier).post(
        f"/contracts/{metered.pk}/performance/telemetry/",
        {"file": SimpleUploadedFile("x.xlsx", b"x"), "feed": "samples"},
    )
    assert bad.status_code == 400
    assert "Send a .csv, .ndjson or .parquet file." in bad.content.decode()

    computed = client_for(manager).post(f"/contracts/{metered.pk}/performance/statements/", {"month": month})
    assert computed.status_code == 302
    statement = Statement.objects.get(contract=metered)
    assert "SL-0002" in client_for(manager).get(computed["Location"]).content.decode()
    assert client_for(supplier).post(f"{computed['Location']}issue/").status_code == 403
    client_for(manager).post(f"{computed['Location']}issue/")
    statement.refresh_from_db()
    assert statement.status == "issued"
    disputed = client_for(supplier).post(
        f"{computed['Location']}disputes/",
        {"line": "SL-0002", "reason": "The feed was down, not the lamp."},
        follow=True,
    )
    assert "Your dispute is recorded" in disputed.content.decode()
    wrong = client_for(supplier).post(f"{computed['Location']}disputes/", {"line": "SL-9", "reason": "x"})
    assert wrong.status_code == 400
    assert "is not a line of this statement" in wrong.content.decode()
    bad_month = client_for(manager).post(f"/contracts/{metered.pk}/performance/statements/", {"month": "2026-13"})
    assert bad_month.status_code == 400
