"""An officer prepares and publishes a tender, two suppliers ask and bid, the deadline passes and the opening is
recorded — in the real browser, with every page checked (axe, CSP) and photographed."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from civicpact.tendering.forms import criteria_lines
from civicpact.tendering.models import BidVersion, Tender
from tests.tendering.fixtures import CRITERIA, timeline


def sign_in_as(visitor, username, password=None):
    visitor.page.context.clear_cookies()
    if password:
        visitor.sign_in(username, password)
    else:
        visitor.sign_in(username)


def fill_bid(page, approach, delivery, price):
    page.get_by_label("Approach and innovation").fill(approach)
    page.get_by_label("Delivery plan").fill(delivery)
    page.get_by_label("Price", exact=True).fill(price)
    page.get_by_role("button", name="Seal and submit").click()


def fill_tender_form(page):
    page.get_by_label("Title").fill("Connected LED street lighting, 20,000 points")
    page.get_by_label("Description").fill("Replace and run the city's street lighting on availability payments.")
    page.get_by_label("Estimated value").fill("16000000")
    page.get_by_label("Evaluation criteria").fill(criteria_lines(CRITERIA))
    page.get_by_label("Eligibility (pass/fail)").fill("Registered supplier\nNo unpaid taxes")
    dates = timeline()
    for label, key in (
        ("Clarification deadline", "clarification_deadline"),
        ("Submission deadline", "submission_deadline"),
        ("Opening", "opening_date"),
        ("End of evaluation (award)", "evaluation_end"),
        ("End of the standstill", "standstill_end"),
    ):
        page.get_by_label(label, exact=True).fill(timezone.localtime(dates[key]).strftime("%Y-%m-%dT%H:%M"))


def test_an_officer_publishes_two_suppliers_ask_and_bid_and_the_opening_is_recorded(
    visitor, procurement_project, second_supplier
):
    page = visitor.page
    sign_in_as(visitor, "officer")
    visitor.visit(f"/pipeline/projects/{procurement_project.pk}/", "project-in-procurement")
    page.get_by_role("link", name="Prepare the tender").click()
    visitor.check("tender-form")
    fill_tender_form(page)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Nothing is public until you publish it.")).to_be_visible()
    visitor.check("tender-draft")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("The tender is published and open for bids")).to_be_visible()
    tender = Tender.objects.get(title="Connected LED street lighting, 20,000 points")
    detail = f"/tenders/{tender.pk}/"

    sign_in_as(visitor, "supplier")
    visitor.visit("/tenders/", "tenders-supplier")
    page.get_by_role("link", name="Connected LED street lighting, 20,000 points").click()
    page.get_by_label("Your question").fill("Are the 300 traffic poles in scope?")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("Your question is sent")).to_be_visible()
    page.get_by_label("Approach and innovation").fill("Adaptive dimming by measured traffic; open APIs.")
    page.get_by_label("Delivery plan").fill("District by district over 18 months.")
    page.get_by_label("Price", exact=True).fill("0")
    page.get_by_role("button", name="Seal and submit").click()
    expect(page.get_by_role("alert")).to_contain_text("greater than or equal to 0.01")
    visitor.check("bid-error")
    page.get_by_label("Price", exact=True).fill("14500000")
    page.get_by_role("button", name="Seal and submit").click()
    expect(page.get_by_text("Your bid (version 1) is sealed. Receipt:")).to_be_visible()
    visitor.check("bid-receipt")

    sign_in_as(visitor, "officer")
    visitor.visit(detail, "tender-officer-before-deadline")
    expect(page.get_by_text("Bids received: 1")).to_be_visible()
    page.get_by_role("textbox", name="Answer").fill("Yes: the 300 poles at signalled junctions.")
    page.get_by_role("button", name="Publish the answer").click()
    expect(page.get_by_text("The answer is published to every bidder.")).to_be_visible()

    sign_in_as(visitor, "brightway", "a-long-enough-password-2026")
    visitor.visit(detail, "tender-second-supplier")
    expect(page.get_by_text("Yes: the 300 poles at signalled junctions.")).to_be_visible()
    fill_bid(page, "Standard LED swap with a central controller.", "12 months.", "12900000")
    expect(page.get_by_text("Your bid (version 1) is sealed.")).to_be_visible()
    assert BidVersion.objects.filter(bid__tender=tender).count() == 2

    with time_machine.travel(tender.submission_deadline + timedelta(minutes=2), tick=True):
        sign_in_as(visitor, "officer")
        visitor.visit(detail, "tender-after-deadline")
        page.get_by_role("button", name="Record the opening").click()
        expect(page.get_by_text("The opening is recorded: 2 bid(s)")).to_be_visible()
        expect(page.get_by_role("rowheader", name="Brightway Services")).to_be_visible()
        visitor.check("tender-opened")


def score_in_browser(visitor, name, scores):
    page = visitor.page
    page.get_by_role("link", name="Open the evaluation").click()
    visitor.check(f"evaluate-declare-{name}")
    for group in page.get_by_role("group").all():
        group.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Record my declarations").click()
    expect(page.get_by_text("Your declarations are recorded.")).to_be_visible()
    for (bidder, criterion), value in scores.items():
        page.get_by_label(f"{bidder}: {criterion} (0 to 10)").fill(str(value))
        page.get_by_label(f"{bidder}: why this score for {criterion}").fill(f"{criterion} judged on the answer.")
    visitor.check(f"evaluate-scores-{name}")
    page.get_by_role("button", name="Save and submit (locks them)").click()
    expect(page.get_by_text("Your scores are submitted and locked.")).to_be_visible()


def test_three_evaluators_score_the_officer_moderates_and_awards_and_the_loser_reads_its_debrief(
    visitor, opened, second_supplier
):
    page = visitor.page
    detail = f"/tenders/{opened.pk}/"
    sheets = {
        "evaluator": ("aurelia-demo-2026", 9, 8, 5, 6),
        "eva2": ("a-long-enough-password-2026", 8, 8, 6, 5),
        "eva3": ("a-long-enough-password-2026", 9, 7, 5, 5),
    }
    for username, (password, la, ld, ba, bd) in sheets.items():
        scores = {
            ("Lumen Grid", "Approach and innovation"): la,
            ("Lumen Grid", "Delivery plan"): ld,
            ("Brightway Services", "Approach and innovation"): ba,
            ("Brightway Services", "Delivery plan"): bd,
        }
        sign_in_as(visitor, username, password)
        visitor.visit(detail, f"tender-evaluator-{username}")
        score_in_browser(visitor, username, scores)

    sign_in_as(visitor, "officer")
    visitor.visit(f"/tenders/{opened.pk}/moderation/", "moderation")
    expect(page.get_by_role("rowheader", name="Lumen Grid").first).to_be_visible()
    visitor.visit(detail, "tender-evaluation-officer")
    for bidder in ("Lumen Grid", "Brightway Services"):
        group = page.get_by_role("group", name=f"{bidder}: not checked")
        group.get_by_label("Meets every requirement").check()
        page.get_by_role("button", name=f"Record for {bidder}").click()
        expect(page.get_by_text("Eligibility recorded.")).to_be_visible()
    expect(page.get_by_role("table", name="Ranking from the consensus scores")).to_be_visible()
    page.get_by_label("Reasons for the award to Lumen Grid").fill("Clearly the best approach at a fair price.")
    page.get_by_role("button", name="Award and notify every bidder").click()
    expect(page.get_by_text("Awarded to Lumen Grid. Every bidder is notified")).to_be_visible()
    visitor.check("tender-awarded")

    sign_in_as(visitor, "brightway", "a-long-enough-password-2026")
    visitor.visit(detail, "debrief")
    expect(page.get_by_role("table", name="Your debrief")).to_be_visible()
    expect(page.get_by_text("Standstill: no contract before")).to_be_visible()
