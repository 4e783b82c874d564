"""Governance through the API: the same services and refusals as the pages, in the house error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_governance import steering  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401

TODAY = timezone.localdate()


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def api(live):  # noqa: F811
    return f"/api/v1/contracts/contracts/{live.pk}"


def test_a_dispute_is_raised_escalated_and_resolved_by_a_meeting_decision(
    client_for,
    manager,
    supplier,
    api,
    steering,  # noqa: F811
):
    partner, city = client_for(supplier), client_for(manager)
    raised = post(partner, f"{api}/disputes", {"subject": "Deduction", "description": "Vandalism.", "amount": "900"})
    assert raised.status_code == 201, raised.json()
    assert raised.json()["level"] == "operational"
    early = post(partner, f"{api}/disputes/1/escalation", {"version": 1, "reason": "Up."})
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "level"
    assert post(city, f"{api}/disputes/1/failure-to-agree", {"version": 1, "note": "No."}).status_code == 200
    stale = post(partner, f"{api}/disputes/1/escalation", {"version": 1, "reason": "Up."})
    assert stale.status_code == 409
    assert "changed by Marco Manager" in stale.json()["detail"]
    skipped = post(partner, f"{api}/disputes/1/escalation", {"version": 2, "level": "arbitration", "reason": "Up."})
    assert skipped.status_code == 422
    up = post(partner, f"{api}/disputes/1/escalation", {"version": 2, "reason": "Up."})
    assert up.json()["level"] == "steering_committee"
    assert [s["kind"] for s in up.json()["steps"]] == ["raised", "failed_to_agree", "escalated"]
    meeting = post(
        city,
        f"{api}/meetings",
        {"body_id": steering.pk, "date": TODAY.isoformat(), "held": True, "minutes": "Met.", "attendees": ["A"]},
    )
    assert meeting.status_code == 201, meeting.json()
    decision = post(
        city,
        f"{api}/meetings/{meeting.json()['id']}/decisions",
        {"text": "Relief granted.", "owner": "CM", "due_date": TODAY.isoformat(), "dispute_number": 1},
    )
    assert decision.status_code == 201
    assert partner.get(f"{api}/disputes/1").json()["status"] == "resolved"
    again = post(partner, f"{api}/disputes/1/escalation", {"version": 4, "reason": "Up."})
    assert again.status_code == 422
    assert "resolved dispute" in again.json()["errors"][0]["message"]


def test_bad_meetings_and_decisions_are_refused_naming_the_field(client_for, manager, api, steering):  # noqa: F811
    city = client_for(manager)
    future = (TODAY + timedelta(days=5)).isoformat()
    held = post(city, f"{api}/meetings", {"body_id": steering.pk, "date": future, "held": True, "minutes": "X"})
    assert (held.status_code, held.json()["errors"][0]["field"]) == (422, "date")
    meeting = post(
        city, f"{api}/meetings", {"body_id": steering.pk, "date": TODAY.isoformat(), "held": True, "minutes": "X"}
    )
    ownerless = post(city, f"{api}/meetings/{meeting.json()['id']}/decisions", {"text": "Do.", "owner": " "})
    assert ownerless.status_code == 422
    assert {e["field"] for e in ownerless.json()["errors"]} == {"owner", "due_date"}
    assert len(city.get(f"{api}/meetings").json()) == 1


def test_the_exit_plan_is_started_and_its_items_updated_by_their_owner(client_for, manager, supplier, api):
    city, partner = client_for(manager), client_for(supplier)
    assert city.get(f"{api}/exit-plan").status_code == 404
    plan = city.put(f"{api}/exit-plan", {"summary": "Hand back."}, content_type="application/json")
    assert plan.status_code == 200
    item = plan.json()["items"][0]
    refused = partner.patch(
        f"{api}/exit-plan/items/{item['id']}", {"version": 1, "status": "accepted"}, content_type="application/json"
    )
    assert refused.status_code == 422
    done = partner.patch(
        f"{api}/exit-plan/items/{item['id']}",
        {"version": 1, "status": "submitted", "evidence": "CSV exported."},
        content_type="application/json",
    )
    assert done.json()["status"] == "submitted"
    stale = city.put(f"{api}/exit-plan", {"version": 0, "summary": "X"}, content_type="application/json")
    assert stale.status_code == 409


def test_an_extension_before_the_current_end_is_refused_and_a_later_one_is_a_new_version(
    client_for,
    manager,
    live,  # noqa: F811
    api,
):
    city = client_for(manager)
    end = live.latest.end_date
    early = post(city, f"{api}/extension", {"version": 1, "new_end_date": end.isoformat(), "reasons": "More."})
    assert (early.status_code, early.json()["errors"][0]["field"]) == (422, "new_end_date")
    later = post(
        city,
        f"{api}/extension",
        {"version": 1, "new_end_date": (end + timedelta(days=30)).isoformat(), "reasons": "More."},
    )
    assert later.status_code == 201
    assert later.json()["contract_version"] == 2


def test_an_extension_above_the_managers_limits_is_refused_naming_the_ppp_unit(
    client_for,
    manager,
    officer,
    live,  # noqa: F811
    api,
):
    payload = {"version": 1, "new_end_date": (live.latest.end_date + timedelta(days=90)).isoformat(), "reasons": "X"}
    refused = post(client_for(manager), f"{api}/extension", payload)
    assert refused.status_code == 403
    assert "must be authorised by the PPP unit" in refused.json()["detail"]
    assert post(client_for(officer), f"{api}/extension", payload).status_code == 201


@pytest.mark.parametrize(
    ("persona", "read", "raise_"),
    [
        ("manager", 200, 201),
        ("auditor", 200, 403),
        ("supplier", 200, 201),
        ("second_supplier", 404, 404),
        ("lead", 403, 403),
    ],
)
def test_who_reads_and_raises_disputes_through_the_api(request, client_for, api, persona, read, raise_):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"{api}/disputes").status_code == read
    body = {"subject": "S", "description": "D"}
    assert post(client, f"{api}/disputes", body).status_code == raise_


def test_the_public_gets_401(citizen, api):
    assert citizen.get(f"{api}/disputes").status_code == 401


def test_the_dispute_list_reads_in_a_bounded_number_of_queries(
    client_for, supplier, api, django_assert_max_num_queries
):
    client = client_for(supplier)
    for n in range(3):
        post(client, f"{api}/disputes", {"subject": f"S{n}", "description": "D"})
    with django_assert_max_num_queries(15):
        assert len(client.get(f"{api}/disputes").json()) == 3


def test_bodies_are_set_up_by_the_citys_managers_and_read_by_the_partner(client_for, manager, supplier, auditor, api):
    body = {
        "kind": "technical_oversight",
        "name": "Technical board",
        "cadence": "monthly",
        "members": [{"name": "Ana Lopes", "organisation": "City IT"}],
    }
    assert post(client_for(auditor), f"{api}/governance-bodies", body).status_code == 403
    assert post(client_for(supplier), f"{api}/governance-bodies", body).status_code == 403
    created = post(client_for(manager), f"{api}/governance-bodies", body)
    assert created.status_code == 201
    assert created.json()["members"] == [{"name": "Ana Lopes", "organisation": "City IT"}]
    bad = post(client_for(manager), f"{api}/governance-bodies", {**body, "name": "Other", "cadence": "weekly"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "cadence")
    assert [b["name"] for b in client_for(supplier).get(f"{api}/governance-bodies").json()] == ["Technical board"]
