"""The performance dashboard and a statement of a metered contract with two months of telemetry, in the real
browser: pages checked with axe and for CSP violations, and photographed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from civicpact.contracts import services as contracts
from civicpact.performance import services
from civicpact.performance.ingest import open_source
from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import PLAN, TODAY, live  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401

LIGHTS = [f"SL-{n:04d}" for n in range(10, 70)]  # 60 more lights: 64 assets, more than the heat map's 40 rows


def _month_of_changes(path, start, lights, seed):
    """Every asset up at the month's start; some outages of a few hours, a long one and a degraded light."""
    lines = ["asset,timestamp,status"]
    lines += [f"{a},{start.isoformat()},up" for a in ("SL-0001", "SL-0002", "SL-0003", "AQ-0001", *lights)]
    for index, asset in enumerate(lights[:45]):
        begin = start + timedelta(days=(index * 7 + seed) % 27, hours=(index * 5) % 20)
        quarters = (4, 8, 12, 20, 40, 96)[(index + seed) % 6]
        end = begin + timedelta(minutes=15 * quarters)
        lines += [f"{asset},{begin.isoformat()},down", f"{asset},{end.isoformat()},up"]
    begin = start + timedelta(days=11, hours=20)
    lines += [f"SL-0002,{begin.isoformat()},degraded", f"SL-0002,{(begin + timedelta(hours=30)).isoformat()},up"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_dashboard_and_the_statement_of_a_metered_contract(visitor, tmp_path, manager, supplier, metered):  # noqa: F811
    mobilisation, *_rest = contracts.milestones_plan(actor=manager, contract_id=metered.pk, items=PLAN)
    contracts.milestone_report(actor=supplier, milestone_id=mobilisation.pk, actual_date=TODAY - timedelta(days=146))
    contracts.milestone_decide(actor=manager, milestone_id=mobilisation.pk, accept=True, note="Depots staffed.")
    services.assets_import(
        actor=manager, contract_id=metered.pk, rows=[{"asset_id": a, "asset_class": "streetlight"} for a in LIGHTS]
    )
    month, start = last_month()
    before_start = (start - timedelta(days=1)).replace(day=1)
    for seed, first, until in ((3, before_start, start), (0, start, (start + timedelta(days=32)).replace(day=1))):
        path = _month_of_changes(tmp_path / f"{first:%Y-%m}.csv", first, LIGHTS, seed)
        batch = services.batch_create(actor=manager, contract_id=metered.pk, source="upload", filename=path.name)
        batch = services.batch_run(batch.pk, open_source(path), feed="changes", until=until)
        assert batch.status == "done", batch.error
        statement = services.statement_compute(actor=manager, contract_id=metered.pk, month=f"{first:%Y-%m}")
    services.statement_issue(actor=manager, statement_id=statement.pk)

    page = visitor.page
    sign_in_as(visitor, "manager")
    visitor.visit(f"/contracts/{metered.pk}/performance/", "dashboard-overview")
    page.get_by_role("link", name="Performance dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Performance dashboard")
    # a group, not an img: its cells are links to the drill-down
    expect(page.get_by_role("group", name=f"least available assets by day, {month}")).to_be_visible()
    expect(page.get_by_text("24 of 64 assets are not shown")).to_be_visible()
    expect(page.get_by_role("cell", name="4 days late")).to_be_visible()
    visitor.check("dashboard")
    page.get_by_text("The heat map's figures").click()
    expect(page.get_by_role("table", name=f"Availability by asset and day, {month} (%)")).to_be_visible()
    visitor.check("dashboard-heat-table")

    page.get_by_label("Month of the heat map").select_option(f"{before_start:%Y-%m}")
    page.get_by_role("button", name="Show the month").click()
    expect(page.get_by_role("heading", name=f"Availability by asset and day: {before_start:%Y-%m}")).to_be_visible()
    visitor.check("dashboard-earlier-month")

    page.get_by_role("link", name="#1, issued").click()
    expect(page.get_by_role("link", name="as a PDF")).to_be_visible()
    visitor.check("dashboard-statement")
    with page.expect_download() as download:
        page.get_by_role("link", name="as a PDF").click()
    assert download.value.suggested_filename.endswith(f"{month}.pdf")

    sign_in_as(visitor, "supplier")
    visitor.visit(f"/contracts/{metered.pk}/performance/dashboard/", "dashboard-partner")
