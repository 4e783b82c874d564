"""The finance hand-off in the real browser: the analyst sets the contract's finance terms, the partner gives its
invoice number, the analyst approves the invoice and exports it for the finance system, and imports an index
series — every page checked (axe, CSP) and photographed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from civicpact.finance.models import Invoice
from civicpact.performance import services as performance
from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_terms_reference_approval_export_and_index_series(visitor, manager, metered):  # noqa: F811
    statement = performance.statement_compute(actor=manager, contract_id=metered.pk, month=last_month()[0])
    statement = performance.statement_issue(actor=manager, statement_id=statement.pk)
    invoice = Invoice.objects.get(statement=statement)
    page = visitor.page

    sign_in_as(visitor, "analyst")
    visitor.visit(f"/finance/contracts/{metered.pk}/terms/", "finance-terms")
    page.get_by_label("Budget line (optional)").fill("4.2.13 Street lighting services")
    page.get_by_label("VAT rate (%) (optional)").fill("150")
    page.get_by_role("button", name="Save the finance terms").click()
    expect(page.get_by_role("alert")).to_contain_text("A VAT rate is 0 to 100 percent")
    visitor.check("finance-terms-error")
    expect(page.get_by_label("Budget line (optional)")).to_have_value("4.2.13 Street lighting services")
    page.get_by_label("VAT rate (%) (optional)").fill("")
    page.get_by_role("button", name="Save the finance terms").click()
    expect(page.get_by_text("The finance terms are saved")).to_be_visible()

    sign_in_as(visitor, "supplier")
    visitor.visit("/finance/invoices/", "finance-invoices-partner")
    page.get_by_role("link", name=f"#{invoice.pk}").click()
    page.get_by_label("Your invoice number").fill("LG-2025-031")
    page.get_by_role("button", name="Record the invoice number").click()
    expect(page.get_by_text("Your invoice number is recorded")).to_be_visible()
    visitor.check("finance-invoice-partner")

    sign_in_as(visitor, "analyst")
    visitor.visit(f"/finance/invoices/{invoice.pk}/", "finance-invoice-pending")
    page.get_by_role("button", name="Approve for the finance system").click()
    expect(page.get_by_text("The invoice is approved")).to_be_visible()
    visitor.check("finance-invoice-approved")

    visitor.visit("/finance/exports/", "finance-exports")
    page.get_by_label("JSON").check()
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_text("holds 1 invoice(s)")).to_be_visible()
    visitor.check("finance-exports-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="(JSON)").first.click()
    assert download.value.suggested_filename.endswith(".json")

    visitor.visit("/finance/index-series/", "finance-index-series")
    page.get_by_label("Series key").fill("CPI")
    cpi = str(EXAMPLES / "index-cpi.csv")
    page.get_by_label("Monthly values (CSV with the header month,value)").set_input_files(cpi)
    page.get_by_role("button", name="Import the values").click()
    expect(page.get_by_text("value(s) added")).to_be_visible()
    visitor.check("finance-index-series-imported")
