"""One smoke test per role: sign in through the real form and land on that role's home page."""

import pytest
from playwright.sync_api import expect

ROLE_HOMES = [
    ("admin", "Administration"),
    ("lead", "Your department's needs"),
    ("officer", "Suppliers to verify"),
    ("analyst", "Business cases"),
    ("evaluator", "Evaluations assigned to you"),
    ("manager", "Contracts you manage"),
    ("auditor", "Audit chain"),
    ("supplier", "Your organisation"),
]


@pytest.mark.parametrize(("username", "card"), ROLE_HOMES)
def test_each_role_signs_in_and_sees_its_home_page(visitor, username, card):
    visitor.sign_in(username)
    page = visitor.page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.get_by_role("heading", name=card)).to_be_visible()
    visitor.check(f"home-{username}")


def test_a_wrong_password_shows_a_generic_error_and_stays_on_the_login_page(visitor):
    visitor.sign_in("officer", "not-the-password")
    page = visitor.page
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    assert "/accounts/login/" in page.url
    visitor.check("login-wrong-password")


def test_a_citizen_sees_the_public_home_page_and_the_audit_trail(visitor):
    page = visitor.visit("/", "home-public")
    expect(page.get_by_role("heading", level=1)).to_contain_text("partnerships, in the open")
    page.get_by_role("link", name="See the audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    visitor.check("audit-public")


def test_the_skip_link_moves_focus_to_the_main_content(visitor):
    page = visitor.visit("/", "home-public-skip")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_case_studies_page_is_accessible(visitor):
    page = visitor.visit("/guidance/cases/", "guidance-cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case studies")


@pytest.mark.parametrize(
    "username", ["admin", "lead", "officer", "analyst", "evaluator", "manager", "auditor", "supplier"]
)
def test_each_role_reads_the_published_challenge(visitor, username):
    from civicpact.demo.tendering import FLOOD_TENDER
    from civicpact.tendering.models import Tender

    tender = Tender.objects.get(title=FLOOD_TENDER)
    visitor.sign_in(username)
    page = visitor.visit(f"/tenders/{tender.pk}/", f"challenge-{username}")
    expect(page.get_by_role("heading", level=1)).to_have_text(FLOOD_TENDER)
    expect(page.get_by_text("Radar level sensors")).to_have_count(0)


def test_a_citizen_reads_the_tenders_without_signing_in(visitor):
    page = visitor.visit("/tenders/", "tenders-public")
    page.get_by_role("link", name="Challenge: an hour's more warning of river floods").click()
    expect(page.get_by_text("May sensors be mounted")).to_be_visible()
    visitor.check("challenge-public")
