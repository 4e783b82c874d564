"""The contract manager edits the performance regime as a form in the real browser: weightings that do not add
up are refused (nothing saved), fixed, a KPI is added with the "Add a KPI" button, and the new version is listed
— pages checked (axe, CSP) and photographed."""

from __future__ import annotations

from playwright.sync_api import expect

from civicpact.demo.seed import DEMO_PASSWORD
from civicpact.performance.models import Regime
from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import metered  # noqa: F401


def row(page, name):
    return page.get_by_role("group", name=name, exact=True)


def test_the_manager_fixes_the_weightings_adds_a_kpi_and_saves_a_new_version(visitor, metered):  # noqa: F811
    page = visitor.page
    sign_in_as(visitor, "manager")
    visitor.visit(f"/contracts/{metered.pk}/performance/", "regime-form-overview")
    page.get_by_role("link", name="edit it as a form").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Performance regime")
    visitor.check("regime-form")

    row(page, "Asset class 1").get_by_label("Weighting (%)").fill("70")
    page.get_by_label("Why this version").fill("Sensors weigh more.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("alert")).to_contain_text("the weightings add up to 90, not 100")
    expect(page.locator("#classes-errors")).to_contain_text("add up to 90, not 100")
    visitor.check("regime-form-weightings-refused")
    assert Regime.objects.filter(contract=metered).count() == 1

    row(page, "Asset class 2").get_by_label("Weighting (%)").fill("30")
    page.get_by_role("button", name="Add a KPI").click()
    kpi = row(page, "KPI 2")
    expect(kpi).to_be_visible()
    kpi.get_by_label("Key").fill("fix_time")
    kpi.get_by_label("Name (optional)").fill("Fault fixed within 24 hours")
    kpi.get_by_label("Kind").select_option("fix_time")
    kpi.get_by_label("Target").fill("24")
    kpi.get_by_label("Deduction per failure").fill("250.00")
    page.get_by_label("Why this version").fill("Sensors weigh more; a fix-time KPI.")
    visitor.check("regime-form-kpi-added")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("The new version of the regime is saved")).to_be_visible()
    versions = page.get_by_role("table")
    expect(versions.get_by_role("rowheader", name="v2")).to_be_visible()
    expect(versions).to_contain_text("Sensors weigh more; a fix-time KPI.")
    visitor.check("regime-form-saved")

    saved = Regime.objects.get(contract=metered, number=2).document
    assert [c["weighting"] for c in saved["asset_classes"]] == ["70", "30"]
    assert saved["kpis"] == [
        {
            "key": "fix_time",
            "name": "Fault fixed within 24 hours",
            "kind": "fix_time",
            "target": "24",
            "deduction_per_failure": "250.00",
        }
    ]


def test_rows_are_added_with_javascript_turned_off(browser, live_server, flushable_ledger, metered):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill("manager")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/contracts/{metered.pk}/performance/regime/form/")
        expect(row(page, "KPI 2")).to_have_count(0)
        page.get_by_role("button", name="Add a KPI").click()
        row(page, "KPI 2").get_by_label("Key").fill("fix_time")
        page.get_by_role("button", name="Add an asset class").click()
        expect(row(page, "Asset class 4")).to_be_visible()
        # what was typed is kept (the empty rows are not: the filled KPI comes first, then one empty row)
        expect(row(page, "KPI 1").get_by_label("Key")).to_have_value("fix_time")
        expect(row(page, "KPI 2").get_by_label("Key")).to_have_value("")
        assert Regime.objects.filter(contract=metered).count() == 1
    finally:
        context.close()
