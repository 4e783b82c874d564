"""The drill-down and the supplier's record in the real browser: the manager follows a line of the demo's
generated statement (2,000 street lights, the demo's three months) to its outage events and from the heat map to a
day; an evaluator sees a bidder's performance record on the scoring page. Pages checked with axe and for CSP
violations, and photographed."""

from __future__ import annotations

from playwright.sync_api import expect

from civicpact.contracts.models import Contract
from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract
from civicpact.performance.models import Statement
from civicpact.tendering import evaluation
from tests.browser.test_tendering import sign_in_as


def test_the_manager_follows_a_statement_line_of_the_demo_month_to_its_events(visitor):
    seed_streetlight_contract()
    contract = Contract.objects.get(versions__title=CONTRACT_TITLE)
    first = Statement.objects.filter(contract=contract).order_by("month").first()
    assert first is not None
    page = visitor.page
    sign_in_as(visitor, "manager")
    visitor.visit(f"/contracts/{contract.pk}/performance/statements/{first.pk}/", "drilldown-statement")
    page.get_by_role("link", name="the asset lines by deduction").first.click()
    expect(page.get_by_role("heading", name="Every asset line")).to_be_visible()
    page.get_by_label("Asset id or class contains").fill("SL-0000")
    page.get_by_role("button", name="Show the lines").click()
    expect(page.get_by_role("link", name="SL-00007", exact=True).first).to_be_visible()
    visitor.check("drilldown-statement-asset-lines")
    page.get_by_role("link", name="SL-00007", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SL-00007")
    expect(page.get_by_text("These events add up exactly to the statement's line for SL-00007.")).to_be_visible()
    expect(page.get_by_role("cell", name="tier 3 (\u00d72.0)")).to_be_visible()  # the third fault of the month
    expect(page.get_by_role("img", name="each service interval by day")).to_be_visible()
    visitor.check("drilldown-asset-ratchet")

    visitor.visit(f"/contracts/{contract.pk}/performance/dashboard/?month={first.month}", "drilldown-dashboard")
    page.get_by_role("link", name="SL-00007", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SL-00007")
    page.go_back()
    page.get_by_text("The heat map's figures").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="SL-00007", exact=True))
    row.get_by_role("link").nth(6).click()  # day 6: the morning after the first fault began
    expect(page).to_have_url(
        f"{visitor.base_url}/contracts/{contract.pk}/performance/statements/{first.pk}/assets/SL-00007/#day-6"
    )
    expect(page.locator("#day-6")).to_be_in_viewport()
    visitor.check("drilldown-asset-from-heat-map")


def test_an_evaluator_sees_a_bidders_performance_record_on_the_scoring_page(visitor, opened, evaluator):
    seed_streetlight_contract()
    bidders = [bid.supplier_id for bid in evaluation.current_bids(opened)]
    evaluation.conflicts_declare(
        actor=evaluator, tender_id=opened.pk, declarations=dict.fromkeys(bidders, (False, ""))
    )
    page = visitor.page
    sign_in_as(visitor, "evaluator")
    visitor.visit(f"/tenders/{opened.pk}/evaluate/", "drilldown-evaluator-scoring")
    summary = page.get_by_text("Performance record of Lumen Grid: 2 months of issued statements")
    expect(summary).to_be_visible()
    summary.click()
    expect(page.get_by_role("row", name="Months at the deductions cap 1")).to_be_visible()
    visitor.check("drilldown-evaluator-record-open")
    page.get_by_role("link", name="The full performance record of Lumen Grid, contract by contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance record: Lumen Grid")
    expect(page.get_by_role("rowheader", name=CONTRACT_TITLE)).to_be_visible()
    visitor.check("drilldown-supplier-record")
