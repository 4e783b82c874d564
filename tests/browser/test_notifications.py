"""The notifications page in the browser: the header's bell counts the unread, a notification is marked read, the
settings page makes a calendar address, and an administrator adds a city holiday."""

from __future__ import annotations

from playwright.sync_api import expect

from civicpact.accounts.models import User
from civicpact.notifications import services
from civicpact.notifications.models import Kind


def test_a_supplier_reads_its_notifications_and_makes_a_calendar_address(visitor):
    supplier = User.objects.get(username="supplier")
    services.notify(
        recipients=[supplier],
        kind=Kind.STATEMENT_ISSUED,
        title="Statement issued: Smart parking — 2026-05",
        body="The payment statement of 2026-05 is issued: net payment 98,500.00 EUR.",
        url="/contracts/",
    )
    services.notify(
        recipients=[supplier],
        kind=Kind.SUBMISSION_DEADLINE,
        title="In 1 day: Bids due: Connected LED street lighting",
        body="Reminder: 12 Jun 2026 17:00 (city time) is the last moment to submit a bid.",
        url="/tenders/",
    )
    visitor.sign_in("supplier")
    page = visitor.page
    bell = page.get_by_role("link", name="Notifications 2 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    visitor.check("notifications-list")
    page.get_by_role("button", name="Statement issued: Smart parking — 2026-05").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as read")
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    visitor.check("notifications-after-read")
    page = visitor.visit("/notifications/settings/", "notifications-settings")
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.locator("#feed-url")).to_contain_text("/calendar/")
    visitor.check("notifications-calendar-address")


def test_an_administrator_adds_a_city_holiday(visitor):
    visitor.sign_in("admin")
    page = visitor.visit("/notifications/holidays/?year=2026", "holidays")
    page.get_by_label("Date").fill("2026-09-14")
    page.get_by_label("Name").fill("Port Aurelia Day")
    page.get_by_role("button", name="Add the day").click()
    expect(page.get_by_role("row", name="Port Aurelia Day")).to_be_visible()
    visitor.check("holidays-added")
