"""The governance pages: who reads and who acts (a permission matrix through the test client), and bad input or a
stale write shown as form errors, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicpact.contracts import governance
from civicpact.contracts.models import Contract, Dispute
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_governance import raised, steering  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401

TODAY = timezone.localdate()


@pytest.fixture
def story(manager, supplier, live, steering):  # noqa: F811
    dispute = raised(supplier, live)
    meeting = governance.meeting_create(
        actor=manager, body_id=steering.pk, date=TODAY - timedelta(days=1), held=True, minutes="Met.", attendees=["A"]
    )
    plan = governance.exit_plan_start(actor=manager, contract_id=live.pk)
    city_item = governance.exit_item_add(
        actor=manager, contract_id=live.pk, category="staff", title="Brief staff", owner_party="city", due_date=TODAY
    )
    base = f"/contracts/{live.pk}/governance/"
    return {
        "contract": live,
        "dispute": dispute,
        "meeting": meeting,
        "plan": plan,
        "city_item": city_item,
        "pages": [
            base,
            f"{base}disputes/{dispute.number}/",
            f"{base}meetings/{meeting.pk}/",
            f"{base}exit-plan/",
            f"{base}exit-plan/items/{city_item.pk}/",
        ],
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("officer", 200),
        ("auditor", 200),
        ("supplier", 200),
        ("second_supplier", 404),
        ("lead", 403),
        ("evaluator", 403),
    ],
)
def test_who_reads_the_governance_pages(request, client_for, story, persona, status):
    client = client_for(request.getfixturevalue(persona))
    for page in story["pages"]:
        assert client.get(page).status_code == status, page


def test_the_public_sees_nothing_and_is_sent_to_sign_in(citizen, story):
    for page in story["pages"]:
        response = citizen.get(page)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("supplier", 302), ("manager", 302), ("auditor", 403), ("lead", 403), ("second_supplier", 404)],
)
def test_who_may_raise_a_dispute(request, client_for, story, persona, status):
    client: Client = client_for(request.getfixturevalue(persona))
    url = f"/contracts/{story['contract'].pk}/governance/disputes/"
    response = client.post(url, {"subject": "Late payment", "description": "Invoice 12 is 60 days late."})
    assert response.status_code == status


@pytest.mark.parametrize("persona", ["supplier", "auditor"])
def test_only_the_citys_managers_set_up_bodies_meetings_extensions_and_exit_items(request, client_for, story, persona):
    client = client_for(request.getfixturevalue(persona))
    pk, body = story["contract"].pk, story["meeting"].body_id
    base = f"/contracts/{pk}/governance/"
    posts = [
        ("bodies/", {"kind": "technical_oversight", "name": "Tech board", "cadence": "monthly"}),
        (f"bodies/{body}/meetings/", {f"b{body}-date": TODAY.isoformat()}),
        (f"meetings/{story['meeting'].pk}/decisions/", {"text": "X", "owner": "Y", "due_date": TODAY.isoformat()}),
        ("extension/", {"version": 1, "new_end_date": "2040-01-01", "reasons": "More."}),
        ("exit-plan/items/", {"category": "data", "title": "T", "owner_party": "city", "due_date": "2030-01-01"}),
        (f"exit-plan/items/{story['city_item'].pk}/", {"version": 1, "status": "in_progress"}),
    ]
    for path, data in posts:
        assert client.post(base + path, data).status_code == 403, path


def test_the_partner_escalates_and_the_manager_resolves_through_the_pages(client_for, manager, supplier, story):
    dispute: Dispute = story["dispute"]
    url = f"/contracts/{story['contract'].pk}/governance/disputes/{dispute.number}/"
    early = client_for(supplier).post(
        url + "escalate/", {"escalate-version": 1, "escalate-level": "steering_committee", "escalate-reason": "Up."}
    )
    assert early.status_code == 400
    assert "has until" in early.content.decode()
    client_for(manager).post(url + "failure/", {"failure-version": 1, "failure-note": "No agreement."})
    done = client_for(supplier).post(
        url + "escalate/",
        {"escalate-version": 2, "escalate-level": "steering_committee", "escalate-reason": "Failed."},
        follow=True,
    )
    page = done.content.decode()
    assert "The dispute is escalated." in page
    assert 'aria-current="step"' in page
    resolved = client_for(manager).post(
        url + "resolve/",
        {
            "resolve-version": 3,
            "resolve-outcome": "Relief granted.",
            "resolve-agreed_by": "Steering committee",
            "resolve-meeting": story["meeting"].pk,
        },
        follow=True,
    )
    assert "The dispute is resolved." in resolved.content.decode()
    again = client_for(supplier).post(
        url + "escalate/", {"escalate-version": 4, "escalate-level": "steering_committee", "escalate-reason": "Up."}
    )
    assert again.status_code == 400
    assert "A resolved dispute cannot be escalated" in again.content.decode()


def test_a_stale_write_shows_a_form_error_naming_who_changed_it(client_for, manager, supplier, story):
    dispute: Dispute = story["dispute"]
    url = f"/contracts/{story['contract'].pk}/governance/disputes/{dispute.number}/"
    client_for(manager).post(url + "failure/", {"failure-version": 1, "failure-note": "No agreement."})
    stale = client_for(supplier).post(url + "withdraw/", {"withdraw-version": 1, "withdraw-reason": "Settled."})
    assert stale.status_code == 409
    assert "changed by Marco Manager" in stale.content.decode()
    assert "error-summary" in stale.content.decode()


def test_bad_meeting_decision_extension_input_is_shown_on_the_fields(client_for, manager, story):
    client = client_for(manager)
    pk, meeting, body = story["contract"].pk, story["meeting"], story["meeting"].body_id
    base = f"/contracts/{pk}/governance/"
    future = client.post(
        f"{base}bodies/{body}/meetings/",
        {f"b{body}-date": (TODAY + timedelta(days=3)).isoformat(), f"b{body}-held": "on", f"b{body}-minutes": "X"},
    )
    assert future.status_code == 400
    assert "cannot be recorded as held on a future date" in future.content.decode()
    ownerless = client.post(f"{base}meetings/{meeting.pk}/decisions/", {"text": "Do it.", "owner": ""})
    assert ownerless.status_code == 400
    assert "Every decision has an owner" in ownerless.content.decode()
    end = story["contract"].latest.end_date
    early = client.post(
        f"{base}extension/", {"version": 1, "new_end_date": (end - timedelta(days=1)).isoformat(), "reasons": "More."}
    )
    assert early.status_code == 400
    assert "must end after the current end" in early.content.decode()


def test_an_extension_above_the_managers_limits_says_on_the_form_who_must_decide(client_for, manager, story):
    contract = story["contract"]
    new_end = contract.latest.end_date + timedelta(days=400)
    response = client_for(manager).post(
        f"/contracts/{contract.pk}/governance/extension/",
        {"version": contract.version, "new_end_date": new_end.isoformat(), "reasons": "More."},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "must be authorised by the council" in page
    assert "up to 30 days and 50,000 a contract manager, up to 180 days and 500,000 the PPP unit" in page


def test_an_exit_plan_on_a_void_contract_is_refused_on_the_form(client_for, manager, live):  # noqa: F811
    Contract.objects.filter(pk=live.pk).update(status="void")
    response = client_for(manager).post(f"/contracts/{live.pk}/governance/exit-plan/start/", {"summary": "Go."})
    assert response.status_code == 400
    assert "nothing to hand back" in response.content.decode()


def test_the_contract_page_shows_the_days_left_and_links_governance_for_its_readers(client_for, manager, lead, live):  # noqa: F811
    page = client_for(manager).get(f"/contracts/{live.pk}/").content.decode()
    assert "Days left in the term" in page
    assert f"/contracts/{live.pk}/governance/" in page
    assert f"/contracts/{live.pk}/governance/" not in client_for(lead).get(f"/contracts/{live.pk}/").content.decode()


def test_the_governance_page_reads_in_a_bounded_number_of_queries(
    client_for, manager, story, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(40):
        assert client.get(f"/contracts/{story['contract'].pk}/governance/").status_code == 200


def test_the_minutes_document_is_kept_with_its_digest_and_read_only_by_governance_readers(
    client_for,
    manager,
    lead,
    second_supplier,
    steering,  # noqa: F811
    settings,
    tmp_path,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path

    body = steering.pk
    client = client_for(manager)
    response = client.post(
        f"/contracts/{steering.contract_id}/governance/bodies/{body}/meetings/",
        {
            f"b{body}-date": TODAY.isoformat(),
            f"b{body}-held": "on",
            f"b{body}-document": SimpleUploadedFile("minutes.txt", b"Minutes of the meeting.", "text/plain"),
        },
    )
    assert response.status_code == 302
    meeting = steering.meetings.get()
    assert len(meeting.minutes_sha256) == 64
    url = f"/contracts/{steering.contract_id}/governance/meetings/{meeting.pk}/minutes/"
    assert b"".join(client.get(url).streaming_content) == b"Minutes of the meeting."
    assert client_for(lead).get(url).status_code == 403
    assert client_for(second_supplier).get(url).status_code == 404
