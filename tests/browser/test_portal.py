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

    page.get_by_role("main").get_by_role("link", name=CONTRACT_TITLE).first.click()  # the process it belongs to
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


def test_a_citizen_follows_the_street_lighting_ppp_from_planning_to_monthly_performance(story_visitor):
    """The demo as `civicpact demo` seeds it: the PPP procured in CivicPact, so its project page tells the whole
    story in published releases, and its contract page how it performs month by month."""
    visitor = story_visitor
    page = visitor.page
    visitor.visit("/open/projects/", "story-projects")
    page.get_by_role("link", name="Harbour district street lighting", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour district street lighting")
    approvals = page.get_by_role("table", name="Approvals at the stage gates")
    expect(approvals.get_by_role("row")).to_have_count(4)  # the header and the three gates
    expect(page.get_by_role("link", name="Value for money analysis")).to_be_visible()
    expect(page.get_by_role("link", name="Rationale for the PPP modality")).to_be_visible()
    expect(page.get_by_text("Open tender (Open tender (single stage))")).to_be_visible()
    expect(page.get_by_role("rowheader", name=f"Award of {CONTRACT_TITLE}")).to_be_visible()
    timeline = page.get_by_role("list").filter(has_text="Planning update")
    for step in ("Planning", "Tender notice", "Award", "Contract signed", "Implementation"):
        expect(timeline.get_by_text(step).first).to_be_visible()
    expect(page.get_by_text("Milestones: 3 of 3 met.").first).to_be_visible()
    visitor.check("story-project")

    page.get_by_role("main").get_by_role("link", name=CONTRACT_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CONTRACT_TITLE)
    expect(page.get_by_role("link", name=f"Award of {CONTRACT_TITLE}")).to_be_visible()
    table = page.get_by_role("table", name="Performance by month")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and the two issued months
    expect(page.get_by_role("heading", name="Milestones")).to_be_visible()
    milestones = page.get_by_role("table").filter(has_text="Service commencement")
    expect(milestones.get_by_role("cell", name="Met", exact=True)).to_have_count(3)
    visitor.check("story-contract")
