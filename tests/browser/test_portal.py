"""The public portal in the real browser: a citizen, not signed in, searches for the street lighting, opens the
contract, reads its terms, risk allocation and monthly performance (chart and table), then follows to the project
and the supplier. Every page is checked with axe and for CSP violations, and photographed."""

from __future__ import annotations

from playwright.sync_api import expect

from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract


def test_a_citizen_finds_the_street_lighting_contract_and_how_it_performs(visitor):
    seed_streetlight_contract()
    page = visitor.page

    visitor.visit("/", "portal-start")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What")
    visitor.check("portal-home")

    page.get_by_label("Search projects, tenders, contracts and suppliers").fill("street lighting")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Contracts (1)")).to_be_visible()
    visitor.check("portal-search")

    page.get_by_role("link", name=CONTRACT_TITLE).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CONTRACT_TITLE)
    expect(page.get_by_text("Managed services").first).to_be_visible()
    expect(page.get_by_role("heading", name="Who carries which risk")).to_be_visible()
    expect(page.get_by_role("cell", name="The city (public authority)").first).to_be_visible()
    expect(page.get_by_role("img", name="Availability against target by month (%)")).to_be_visible()
    table = page.get_by_role("table", name="Performance by month")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and the two issued months
    expect(table.get_by_text("Not met")).to_be_visible()  # the storm month
    expect(page.get_by_text("Data last updated")).to_be_visible()
    visitor.check("portal-contract")

    page.get_by_role("main").get_by_role("link", name="Harbour district street lighting (2024)").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CONTRACT_TITLE)
    expect(page.get_by_role("heading", name="Contracts", exact=True)).to_be_visible()
    visitor.check("portal-project")

    page.get_by_role("link", name="Lumen Grid").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lumen Grid")
    expect(page.get_by_role("link", name=CONTRACT_TITLE).last).to_be_visible()
    visitor.check("portal-supplier")

    for path, name in (
        ("/open/projects/", "portal-projects"),
        ("/open/tenders/", "portal-tenders"),
        ("/open/awards/", "portal-awards"),
        ("/open/contracts/", "portal-contracts"),
        ("/open/suppliers/", "portal-suppliers"),
    ):
        visitor.visit(path, name)
    page.emulate_media(media="print")
    visitor.visit("/open/contracts/", "portal-contracts-print")
    page.get_by_role("link", name=CONTRACT_TITLE).click()
    visitor.check("portal-contract-print")
