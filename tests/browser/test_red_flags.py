"""Red flags in the real browser: the auditor reads a finding's evidence and follows it to the contract; a citizen
reads the public summary; a contract manager is refused the evidence."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401  (fixtures)
from tests.contracts.test_milestones import live  # noqa: F401  (fixture)
from tests.transparency.test_red_flags import amended  # noqa: F401  (fixture)


def test_the_auditor_follows_a_finding_to_the_contract_and_a_citizen_reads_the_summary(visitor, amended):  # noqa: F811
    page = visitor.page
    sign_in_as(visitor, "auditor")
    visitor.visit("/open/red-flags/evidence/", "red-flags-evidence")
    finding = page.get_by_role("region", name="PPP04 Contract value growth: Smart parking concession (2021)")
    expect(finding).to_contain_text("rose 15.0% over its first published value")
    expect(finding).to_contain_text("1,150,000.00 EUR")
    finding.get_by_role("link", name=f"Our contract page (contract-{amended.pk})").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Smart parking concession (2021)")
    visitor.check("red-flags-followed-to-contract")

    sign_in_as(visitor, "manager")
    response = page.goto(visitor.base_url + "/open/red-flags/evidence/")
    assert response is not None
    assert response.status == 403

    page.context.clear_cookies()
    visitor.visit("/open/red-flags/", "red-flags-public-summary")
    expect(page.get_by_role("heading", name="Smart parking concession (2021)")).to_be_visible()
    expect(page.get_by_text("PPP01 Frequent contract amendments")).to_be_visible()
    expect(page.get_by_role("link", name="See the evidence behind each finding")).to_have_count(0)
