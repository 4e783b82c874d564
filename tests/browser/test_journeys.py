"""The skeleton's journeys: supplier registration and verification, tokens, the demo job's progress."""

from playwright.sync_api import expect


def register(page, name, number, country="GB"):
    page.get_by_label("Organisation name").fill(name)
    page.get_by_label("Legal name").fill(f"{name} Ltd")
    page.get_by_label("Country of registration").fill(country)
    page.get_by_label("Registration number").fill(number)
    page.get_by_label("We are a small or medium-sized enterprise").check()
    page.get_by_label("Contact person").fill("Rosa Tide")
    page.get_by_label("Contact e-mail").fill("rosa@tidewater.example")
    page.get_by_label("Your full name").fill("Rosa Tide")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill("salt-marsh-lantern-77")
    page.get_by_role("button", name="Register").click()


def test_a_supplier_registers_and_an_officer_verifies_it(visitor, browser, live_server):
    visitor.visit("/accounts/register/", "supplier-register")
    register(visitor.page, "Tidewater Sensors", "GB-55501234")
    expect(visitor.page.get_by_text("Awaiting verification")).to_be_visible()
    visitor.check("supplier-awaiting-verification")

    context = browser.new_context()
    officer_page = context.new_page()
    from tests.browser.conftest import Visitor

    officer = Visitor(officer_page, live_server.url)
    officer.sign_in("officer")
    officer.visit("/accounts/suppliers/?status=pending", "supplier-list-pending")
    officer_page.get_by_role("link", name="Tidewater Sensors").click()
    officer.check("supplier-detail")
    officer_page.get_by_role("button", name="Verify Tidewater Sensors").click()
    expect(officer_page.get_by_role("status")).to_contain_text("Tidewater Sensors is verified")
    context.close()

    visitor.page.reload()
    expect(visitor.page.get_by_text("Verified", exact=True)).to_be_visible()


def test_a_duplicate_registration_number_is_a_form_error_on_that_field(visitor):
    visitor.visit("/accounts/register/", "supplier-register-empty")
    register(visitor.page, "Copycat Lighting", "PT-514220981", country="PT")
    expect(visitor.page.get_by_role("alert")).to_contain_text("Registration number")
    expect(visitor.page.locator("#id_registration_number_error")).to_contain_text("already registered")
    visitor.check("supplier-register-duplicate")


def test_a_user_creates_an_api_token_that_is_shown_once(visitor):
    visitor.sign_in("analyst")
    page = visitor.visit("/accounts/me/", "account")
    page.get_by_label("What is the token for?").fill("finance export")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("cvp_")
    visitor.check("account-token-created")
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)


def test_the_administrator_watches_the_demo_job_progress(visitor):
    visitor.sign_in("admin")
    page = visitor.visit("/jobs/", "jobs")
    page.get_by_role("button", name="Load or top up the demo city").click()
    expect(page.locator("progress")).to_be_visible()
    visitor.check("job-queued")
    page = visitor.run_jobs()
    expect(page.locator("#progress [role=status]")).to_contain_text("successful", timeout=10_000)
    visitor.check("job-finished")
    assert page.locator("progress").get_attribute("value") == page.locator("progress").get_attribute("max")
