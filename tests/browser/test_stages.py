"""Multi-stage procedures in the real browser: the officer closes a PCP phase and opens the next one to the
supplier kept; a Swiss challenge's proponent matches the best competing offer and wins the award."""

from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import expect

from civicpact.tendering.models import Tender
from tests.browser.test_tendering import sign_in_as
from tests.tendering.fixtures import timeline
from tests.tendering.test_stages import challenged
from tests.tendering.test_stages_web import evaluated_phase  # noqa: F401  (a fixture)

BRIGHTWAY_PASSWORD = "a-long-enough-password-2026"


def test_the_officer_closes_a_pcp_phase_and_only_the_supplier_kept_may_bid_at_the_next(
    visitor,
    evaluated_phase,  # noqa: F811
    second_supplier,
):
    page = visitor.page
    sign_in_as(visitor, "officer")
    visitor.visit(f"/tenders/{evaluated_phase.pk}/", "pcp-phase-evaluated")
    expect(page.get_by_role("heading", name="Close the stage")).to_be_visible()
    page.get_by_label("Reasons for keeping the 1 best-ranked supplier (published)").fill(
        "The design most likely to give an hour's warning at a sustainable cost."
    )
    page.get_by_role("button", name="Close the stage and tell every bidder").click()
    expect(page.get_by_role("heading", name="Stage completed: suppliers kept for the next stage")).to_be_visible()
    expect(page.get_by_role("cell", name="ranked 2, below the 1 kept")).to_be_visible()
    visitor.check("pcp-phase-completed")

    page.get_by_role("link", name="Prepare the next stage").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prepare the next stage")
    visitor.check("pcp-next-stage-form")
    page.get_by_label("Phase payment").fill("90000")
    dates = timeline()
    for label, key in (
        ("Clarification deadline", "clarification_deadline"),
        ("Submission deadline", "submission_deadline"),
        ("Opening", "opening_date"),
        ("End of evaluation (award)", "evaluation_end"),
        ("End of the standstill", "standstill_end"),
    ):
        page.get_by_label(label, exact=True).fill(timezone.localtime(dates[key]).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Only the suppliers kept will be able to bid")).to_be_visible()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("The tender is published")).to_be_visible()
    prototype = Tender.objects.get(previous_stage=evaluated_phase)
    assert (prototype.stage, prototype.status) == ("prototype", "published")
    visitor.check("pcp-prototype-published")

    sign_in_as(visitor, "brightway", BRIGHTWAY_PASSWORD)
    visitor.visit(f"/tenders/{prototype.pk}/", "pcp-prototype-not-invited")
    expect(page.get_by_text("your organisation was not kept")).to_be_visible()
    expect(page.get_by_role("button", name="Seal and submit")).to_have_count(0)

    sign_in_as(visitor, "supplier")
    visitor.visit(f"/tenders/{prototype.pk}/", "pcp-prototype-invited")
    page.get_by_label("Approach and innovation").fill("A working radar gauge on three bridges.")
    page.get_by_label("Delivery plan").fill("Six months, with the river authority.")
    page.get_by_role("button", name="Seal and submit").click()
    expect(page.get_by_text("is sealed. Receipt:")).to_be_visible()


def test_a_swiss_challenge_proponent_matches_the_best_offer_and_wins(
    visitor, officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    page = visitor.page
    sign_in_as(visitor, "officer")
    visitor.visit(f"/tenders/{tender.pk}/", "swiss-challenge-evaluated")
    expect(page.get_by_role("heading", name="Swiss challenge of an unsolicited proposal")).to_be_visible()
    page.get_by_role("button", name="Offer the proponent its right to match").click()
    expect(page.get_by_text("the award waits for its answer")).to_be_visible()

    sign_in_as(visitor, "supplier")
    visitor.visit(f"/tenders/{tender.pk}/", "swiss-challenge-right-to-match")
    page.get_by_label("Match it: we take the contract at that price").check()
    page.get_by_role("button", name="Send our answer").click()
    expect(page.get_by_text("You matched the best competing offer.")).to_be_visible()

    sign_in_as(visitor, "officer")
    visitor.visit(f"/tenders/{tender.pk}/", "swiss-challenge-matched")
    page.get_by_label("Reasons for the award to Lumen Grid").fill("The proponent matched the best competing offer.")
    page.get_by_role("button", name="Award and notify every bidder").click()
    expect(page.get_by_role("heading", name="Awarded to Lumen Grid")).to_be_visible()
    visitor.check("swiss-challenge-awarded")


def test_a_supplier_finds_an_open_call_and_downloads_its_documents(visitor, officer, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicpact.tendering import services

    services.tender_document_attach(
        actor=officer,
        tender_id=draft.pk,
        upload=SimpleUploadedFile("poles.pdf", b"%PDF-1.4 pole map", content_type="application/pdf"),
        title="Map of the lighting poles",
        document_type="illustration",
    )
    services.tender_publish(actor=officer, tender_id=draft.pk, expected_version=draft.version)
    page = visitor.page
    sign_in_as(visitor, "supplier")
    visitor.visit("/tenders/", "tender-list")
    page.get_by_label("Search").fill("lighting")
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=draft.title)).to_be_visible()
    expect(page.get_by_role("link", name="Challenge: an hour's more warning of river floods")).to_have_count(0)
    visitor.check("tender-list-filtered")
    page.get_by_role("link", name=draft.title).click()
    expect(page.get_by_role("heading", name="Documents")).to_be_visible()
    visitor.check("tender-with-documents")
    with page.expect_download() as download:
        page.get_by_role("link", name="Map of the lighting poles").click()
    assert download.value.suggested_filename.startswith("poles")


def test_a_supplier_proposes_a_project_and_the_officer_accepts_it(visitor):
    page = visitor.page
    sign_in_as(visitor, "supplier")
    visitor.visit("/tenders/proposals/", "proposal-list-supplier")
    page.get_by_role("link", name="Propose a project").click()
    page.get_by_label("The project you propose").fill("Fibre to every traffic signal")
    page.get_by_label("The city's problem it solves").fill("Signals cannot be retimed remotely.")
    page.get_by_label("What you propose").fill("Fibre along the ring road and adaptive signal timing for ten years.")
    page.get_by_label("Estimated value").fill("4200000")
    page.get_by_label("Term (years)").fill("10")
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.get_by_text("It stays private until the city decides.")).to_be_visible()
    visitor.check("proposal-received")
    url = page.url

    sign_in_as(visitor, "officer")
    page.goto(url)
    page.get_by_label("Accept: a need and a project are created, to be tendered as a Swiss challenge").check()
    page.get_by_label("Department that takes it on (to accept)").select_option(label="Transport and Mobility")
    page.get_by_label("Reasons (the proponent reads them)").fill("A real need of the mobility plan.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("It became the project")).to_be_visible()
    visitor.check("proposal-accepted")
