"""Governance in the real browser: the partner raises a dispute, the manager records the operational level's failure
to agree and escalates it to the steering committee, then records the committee's meeting with a decision that
resolves it; and the manager starts the exit and hand-back plan."""

from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_tendering import sign_in_as
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401  (fixtures)
from tests.contracts.test_governance import steering  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401


def test_a_dispute_climbs_to_the_steering_committee_and_a_meeting_resolves_it(visitor, live, steering):  # noqa: F811
    page = visitor.page
    today = timezone.localdate().isoformat()

    sign_in_as(visitor, "supplier")
    visitor.visit(f"/contracts/{live.pk}/", "contract-with-governance-link")
    page.get_by_role("link", name="Governance: disputes, meetings and the end of the term").click()
    visitor.check("governance-partner")
    page.get_by_text("Raise a dispute").click()
    page.get_by_label("The dispute in a line").fill("Deduction for SL-00007 in March")
    page.get_by_label("What is disputed and why").fill("Two of the three faults were vandalism: relief events.")
    page.get_by_label("Amount in question").fill("1250")
    page.get_by_label("Clause in question").fill("Schedule 6, paragraph 4.2")
    page.get_by_role("button", name="Raise the dispute").click()
    expect(page.get_by_text("is raised at the operational level")).to_be_visible()
    visitor.check("dispute-raised")
    dispute_url = page.url

    sign_in_as(visitor, "manager")
    page.goto(dispute_url)
    page.get_by_label("What this level could not agree on").fill("Whether vandalism is a relief event here.")
    page.get_by_role("button", name="Record the failure to agree").click()
    expect(page.get_by_text("The failure to agree is recorded")).to_be_visible()
    page.get_by_label("Why it is escalated").fill("The contract managers could not agree.")
    page.get_by_role("button", name="Escalate the dispute").click()
    expect(page.get_by_text("The dispute is escalated.")).to_be_visible()
    expect(page.locator(".ladder [aria-current=step]")).to_contain_text("Steering committee")
    visitor.check("dispute-escalated")

    visitor.visit(f"/contracts/{live.pk}/governance/", "governance-manager")
    page.get_by_text("Schedule or record a meeting of the executive steering committee").click()
    page.get_by_label("Date of the meeting").fill(today)
    page.get_by_label("It was held (record its minutes now)").check()
    page.get_by_label("Minutes (optional)", exact=True).fill("Heard both parties on the March deduction.")
    page.get_by_label("Attendees").fill("Helena Duarte\nInês Carvalho")
    page.get_by_role("button", name="Save the meeting").click()
    expect(page.get_by_text("The meeting is recorded.")).to_be_visible()
    page.get_by_label("Decision", exact=True).fill("Two faults are relief events; the deduction is recomputed.")
    page.get_by_label("Owner (who carries it out)").fill("Marco Manager")
    page.get_by_label("Due by").fill(today)
    page.get_by_label("It resolves the dispute").select_option(
        label="1. Deduction for SL-00007 in March (steering committee)"
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("the dispute is resolved")).to_be_visible()
    visitor.check("meeting-with-decision")
    page.get_by_role("link", name="resolves dispute 1").click()
    expect(page.get_by_text("Outcome:")).to_be_visible()
    visitor.check("dispute-resolved")


def test_the_manager_starts_the_exit_plan(visitor, live):  # noqa: F811
    page = visitor.page
    sign_in_as(visitor, "manager")
    visitor.visit(f"/contracts/{live.pk}/governance/", "governance-end-of-term")
    page.get_by_text("Start the exit and hand-back plan").click()
    page.get_by_label("Approach").fill("Hand the network back to the city's lighting team.")
    page.get_by_role("button", name="Start the exit plan").click()
    expect(page.get_by_text("The exit plan is started")).to_be_visible()
    expect(page.get_by_role("cell", name="Data returned in open formats")).to_be_visible()
    visitor.check("exit-plan")
    page.get_by_role("link", name="Agree which staff transfer and inform them").click()
    page.get_by_label("Status").select_option("accepted")
    page.get_by_role("button", name="Update the item").click()
    expect(page.get_by_text("is updated")).to_be_visible()
    visitor.check("exit-plan-item-accepted")
