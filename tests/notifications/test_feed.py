"""The calendar feed: /calendar/<token>.ics lists the deadlines that concern its owner as valid iCalendar with
stable UIDs; an unknown, rotated or revoked token is a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from icalendar import Calendar

from civicpact.contracts import governance
from civicpact.notifications import interests, services
from civicpact.notifications.feed import calendar_for


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_the_deadlines_of_a_tender_the_supplier_follows(tender, supplier, citizen):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    token = services.calendar_feed_rotate(actor=supplier)
    response = citizen.get(feed_path(token))  # a calendar client: no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response.content)
    submission = found[f"tender-{tender.pk}-submission@127.0.0.1"]
    assert str(submission["SUMMARY"]) == f"Bids due: {tender.title}"
    assert submission.decoded("DTSTART") == tender.submission_deadline.replace(microsecond=0)  # to the second
    assert str(submission["URL"]) == f"http://127.0.0.1:8000/tenders/{tender.pk}/"
    assert f"tender-{tender.pk}-clarification@127.0.0.1" in found
    assert f"tender-{tender.pk}-evaluation@127.0.0.1" not in found  # not the supplier's deadline
    alarm = submission.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == -timedelta(days=1)


def test_the_uids_are_stable_and_a_moved_deadline_keeps_its_uid(tender, supplier, officer, citizen):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    token = services.calendar_feed_rotate(actor=supplier)
    first = events(citizen.get(feed_path(token)).content)
    later = tender.submission_deadline + timedelta(days=7)
    from civicpact.tendering import services as tendering

    tendering.tender_amend(
        actor=officer,
        tender_id=tender.pk,
        expected_version=tender.version,
        rationale="More time.",
        submission_deadline=later,
        opening_date=later,
        evaluation_end=later + timedelta(days=14),
        standstill_end=later + timedelta(days=25),
    )
    second = events(citizen.get(feed_path(token)).content)
    assert set(first) == set(second)
    assert second[f"tender-{tender.pk}-submission@127.0.0.1"].decoded("DTSTART") == later.replace(microsecond=0)


def test_a_dispute_rungs_last_day_is_an_all_day_event_for_the_manager(manager, live):
    dispute = governance.dispute_raise(
        actor=manager, contract_id=live.pk, subject="Late repairs", description="Lamps repaired after 3 days."
    )
    found = events(calendar_for(manager))
    event = found[f"dispute-{dispute.pk}-operational@127.0.0.1"]
    assert event.decoded("DTSTART") == dispute.deadline
    assert event.decoded("DTEND") == dispute.deadline + timedelta(days=1)


def test_a_wrong_rotated_or_revoked_token_is_a_404(supplier, citizen):
    assert citizen.get(feed_path("not-a-token")).status_code == 404
    old = services.calendar_feed_rotate(actor=supplier)
    new = services.calendar_feed_rotate(actor=supplier)
    assert citizen.get(feed_path(old)).status_code == 404
    assert citizen.get(feed_path(new)).status_code == 200
    services.calendar_feed_revoke(actor=supplier)
    assert citizen.get(feed_path(new)).status_code == 404


def test_an_inactive_persons_feed_is_a_404(supplier, citizen):
    token = services.calendar_feed_rotate(actor=supplier)
    supplier.is_active = False
    supplier.save(update_fields=["is_active"])
    assert citizen.get(feed_path(token)).status_code == 404


def test_each_person_sees_only_their_deadlines(tender, supplier, second_supplier, citizen):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    token = services.calendar_feed_rotate(actor=second_supplier)
    found = events(citizen.get(feed_path(token)).content)
    assert not any(uid.startswith(f"tender-{tender.pk}-") for uid in found)


def test_the_settings_page_shows_a_new_address_once(client_for, supplier, citizen):
    client = client_for(supplier)
    response = client.post("/notifications/calendar/rotate/", follow=True)
    url = response.context["new_feed_url"]
    assert url.startswith("http://127.0.0.1:8000/calendar/")
    assert url.endswith(".ics")
    assert citizen.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert client.get("/notifications/settings/").context["new_feed_url"] == ""
    assert citizen.post("/notifications/calendar/rotate/").status_code == 302  # to the sign-in page
