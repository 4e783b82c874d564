"""/api/v1/notifications/: one's own notifications only; another's is a 404; bad input a 422 naming the field."""

from __future__ import annotations

import json

from civicpact.notifications import interests, services
from civicpact.notifications.models import Kind


def note(user, title="Outcome"):
    return services.notify(recipients=[user], kind=Kind.AWARD_DECIDED, title=title, body="Lost.", url="/tenders/")[0]


def test_the_list_and_the_count_are_ones_own(client_for, supplier, officer):
    note(supplier)
    note(officer, title="Not yours")
    client = client_for(supplier)
    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 1
    assert body["items"][0]["title"] == "Outcome"
    assert body["items"][0]["kind"] == "award_decided"
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}


def test_reading_one_and_all(client_for, supplier):
    first, _second = note(supplier), note(supplier, "Second")
    client = client_for(supplier)
    read = client.post(f"/api/v1/notifications/{first.pk}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}


def test_another_persons_notification_is_a_404_and_anonymous_a_401(client_for, supplier, officer, citizen):
    theirs = note(supplier)
    response = client_for(officer).post(f"/api/v1/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such notification."
    assert citizen.get("/api/v1/notifications/").status_code == 401


def test_preferences_round_trip_and_an_unknown_kind_is_named(client_for, supplier):
    client = client_for(supplier)
    put = client.put(
        "/api/v1/notifications/preferences",
        json.dumps({"email": {"statement_issued": False}}),
        content_type="application/json",
    )
    assert put.status_code == 200
    assert put.json()["email"]["statement_issued"] is False
    assert put.json()["email"]["award_decided"] is True
    bad = client.put(
        "/api/v1/notifications/preferences", json.dumps({"email": {"weather": True}}), content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email"
    assert "'weather' is not a kind of notification" in bad.json()["errors"][0]["message"]


def test_my_deadlines_and_a_new_calendar_address(client_for, tender, supplier, citizen):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    client = client_for(supplier)
    uids = [d["uid"] for d in client.get("/api/v1/notifications/deadlines").json()]
    assert f"tender-{tender.pk}-submission" in uids
    url = client.post("/api/v1/notifications/calendar-feed").json()["url"]
    assert citizen.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200
