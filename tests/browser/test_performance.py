"""A contract manager loads telemetry, computes and issues the month's statement, and the partner disputes a line
— in the real browser, pages checked and photographed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401


def test_the_manager_loads_telemetry_issues_the_statement_and_the_partner_disputes_a_line(
    visitor,
    tmp_path,
    metered,  # noqa: F811
):
    month, start = last_month()
    rows = ["asset,timestamp,status"]
    rows += [f"SL-0003,{(start + timedelta(days=4, hours=20, minutes=15 * q)).isoformat()},down" for q in range(8)]
    rows.append(f"SL-0099,{start.isoformat()},down")
    path = tmp_path / "telemetry.csv"
    path.write_text("\n".join(rows) + "\n")
    page = visitor.page
    sign_in_as(visitor, "manager")
    visitor.visit(f"/contracts/{metered.pk}/performance/", "performance-overview")
    page.get_by_label("Telemetry file (CSV, NDJSON or Parquet)").set_input_files(str(path))
    page.get_by_role("button", name="Send the file").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Queued")
    visitor.run_jobs()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Done")
    expect(page.get_by_role("cell", name="8", exact=True).first).to_be_visible()
    visitor.check("performance-batch-done")

    visitor.visit(f"/contracts/{metered.pk}/performance/", "performance-overview-loaded")
    page.get_by_label("Month (YYYY-MM)").fill(month)
    page.get_by_role("button", name="Compute the month's statement").click()
    expect(page.get_by_role("rowheader", name="SL-0003").first).to_be_visible()  # also in every asset line
    page.get_by_role("button", name="Issue the statement (it is then frozen)").click()
    expect(page.get_by_text("The statement is issued")).to_be_visible()
    visitor.check("performance-statement-issued")
    statement_url = page.url

    sign_in_as(visitor, "supplier")
    page.goto(statement_url)
    page.get_by_label("Line (asset id or KPI key)").fill("SL-0003")
    page.get_by_label("Why you dispute it").fill("The column was knocked down by a car: a relief event.")
    page.get_by_role("button", name="Dispute the line").click()
    expect(page.get_by_text("Your dispute is recorded")).to_be_visible()
    visitor.check("performance-statement-disputed")
