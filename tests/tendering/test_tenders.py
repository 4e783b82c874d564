"""Tenders from projects: drafts, validation, publication, bids, clarifications, through services, pages and API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.tendering import services
from civicpact.tendering.exceptions import StaleTender
from civicpact.tendering.forms import criteria_lines, parse_criteria
from civicpact.tendering.models import Bid, BidVersion, Clarification, Tender
from tests.tendering.fixtures import CRITERIA, bid_payload, tender_fields, timeline

# --- drafts and publication -------------------------------------------------------------------------------------


def test_a_tender_takes_its_procedure_from_the_projects_route(draft):
    assert draft.status == "draft"
    route = draft.project.route_choices.first().chosen_route
    assert (route, draft.procedure) in {("open_tender", "open"), ("competitive_dialogue", "competitive_dialogue")}
    assert draft.master_key_id
    assert bytes(draft.wrapped_key)


def test_only_a_project_past_its_structuring_gate_is_tendered(officer):
    from civicpact.pipeline.models import Project

    project = Project.objects.get(title="Smart street lighting and sensor network")  # still structuring
    with pytest.raises(ValidationError) as caught:
        services.tender_create(actor=officer, project_id=project.pk, **tender_fields())
    assert "structuring gate" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"criteria": [{**CRITERIA[0], "weight": 50}, CRITERIA[1]]}, "criteria", "100"),
        (
            {"clarification_deadline": timezone.now() + timedelta(days=40)},
            "submission_deadline",
            "must come after the clarification deadline",
        ),
        (
            {
                "clarification_deadline": timezone.now() + timedelta(days=4),
                "submission_deadline": timezone.now() + timedelta(days=10),
            },
            "submission_deadline",
            "at least 30 days",
        ),
    ],
)
def test_bad_tender_conditions_name_the_field_and_nothing_is_saved(officer, procurement_project, change, field, words):
    before = Tender.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields(**change))
    assert any(key.startswith(field) for key in caught.value.message_dict), caught.value.message_dict
    assert words in str(caught.value)
    assert Tender.objects.count() == before


@pytest.mark.parametrize("persona", ["lead", "analyst", "auditor", "supplier", "evaluator"])
def test_only_the_ppp_unit_prepares_tenders(request, procurement_project, persona):
    with pytest.raises(PermissionDenied):
        services.tender_create(
            actor=request.getfixturevalue(persona), project_id=procurement_project.pk, **tender_fields()
        )


def test_a_draft_is_invisible_to_suppliers_and_the_public(client_for, draft, supplier, citizen, officer):
    assert client_for(officer).get(f"/tenders/{draft.pk}/").status_code == 200
    for client in (client_for(supplier), citizen):
        assert client.get(f"/tenders/{draft.pk}/").status_code == 404
        assert client.get(f"/api/v1/tendering/tenders/{draft.pk}").status_code == 404
        assert draft.title not in client.get("/tenders/").content.decode()


def test_a_stale_edit_is_refused(officer, draft):
    services.tender_update(actor=officer, tender_id=draft.pk, expected_version=draft.version, title="New title")
    with pytest.raises(StaleTender):
        services.tender_update(actor=officer, tender_id=draft.pk, expected_version=draft.version, title="Other")


def test_publishing_makes_it_public_and_emits_a_valid_tender_release(citizen, tender):
    assert tender.status == "published"
    assert citizen.get(f"/tenders/{tender.pk}/").status_code == 200
    release = Release.objects.filter(ocid=tender.project.ocid).order_by("-date")[0]
    assert release.body["tag"] == ["tender"]
    assert release.body["tender"]["tenderPeriod"]["endDate"]
    assert "Approach and innovation 30%" in release.body["tender"]["awardCriteriaDetails"]
    package = release_package_build(releases=[release], uri="https://example.org/p.json")
    assert release_package_errors(package) == []


# --- bids ---------------------------------------------------------------------------------------------------------


def test_a_second_submission_replaces_the_first_and_both_are_kept(tender, supplier):
    first = services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    second = services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload(price="9000000"))
    bid = Bid.objects.get(tender=tender)
    assert (bid.current_number, first.number, second.number) == (2, 1, 2)
    assert BidVersion.objects.filter(bid=bid).count() == 2
    assert first.receipt != second.receipt


def test_two_submissions_in_the_same_second_leave_exactly_one_current_bid(tender, supplier):
    import time_machine

    with time_machine.travel(tender.submission_deadline - timedelta(seconds=1), tick=False):
        services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
        services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload(price="1"))
    assert Bid.objects.filter(tender=tender).count() == 1
    assert list(BidVersion.objects.filter(bid__tender=tender).values_list("number", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (bid_payload(answer=""), "answers.quality.approach"),
        (bid_payload(price="0"), "price"),
        (bid_payload(price="lots"), "price"),
        (bid_payload(consortium=[{"name": "Lumen Grid", "share": 60}, {"name": "PoleCo", "share": 30}]), "consortium"),
        (bid_payload(consortium=[{"name": "", "share": 60}]), "consortium[0]"),
    ],
)
def test_a_bad_bid_names_the_field_and_nothing_is_saved(tender, supplier, payload, field):
    with pytest.raises(ValidationError) as caught:
        services.bid_submit(actor=supplier, tender_id=tender.pk, payload=payload)
    assert field in caught.value.message_dict
    assert not Bid.objects.filter(tender=tender).exists()


def test_a_consortium_with_shares_adding_to_100_is_accepted(tender, supplier):
    consortium = [
        {"name": "Lumen Grid", "share": 60, "role": "lead"},
        {"name": "PoleCo SPV", "share": 40, "role": "special-purpose vehicle"},
    ]
    assert services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload(consortium=consortium))


@pytest.mark.parametrize("persona", ["other_supplier", "officer", "lead"])
def test_only_verified_suppliers_bid(request, tender, persona):
    with pytest.raises(PermissionDenied):
        services.bid_submit(actor=request.getfixturevalue(persona), tender_id=tender.pk, payload=bid_payload())


def test_nobody_bids_on_a_draft(draft, supplier):
    from civicpact.tendering.exceptions import TenderingError

    with pytest.raises(TenderingError, match="not open for bids"):
        services.bid_submit(actor=supplier, tender_id=draft.pk, payload=bid_payload())


def test_a_withdrawn_bid_is_not_opened(tender, supplier, officer):
    import time_machine

    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    services.bid_withdraw(actor=supplier, tender_id=tender.pk)
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        opening = services.tender_open(actor=officer, tender_id=tender.pk)
    assert opening.bids == []


def test_the_supplier_portal_takes_a_bid_and_gives_a_receipt(client_for, tender, supplier):
    client = client_for(supplier)
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert "Seal and submit" in page
    response = client.post(
        f"/tenders/{tender.pk}/bid/",
        {
            "answer_quality.approach": "Adaptive dimming by traffic.",
            "answer_quality.delivery": "18 months.",
            "price": "12000000",
            "consortium_text": "",
        },
        follow=True,
    )
    version = BidVersion.objects.get(bid__tender=tender)
    assert f"Receipt: {version.receipt}" in response.content.decode()
    missing = client.post(f"/tenders/{tender.pk}/bid/", {"price": "1"})
    assert missing.status_code == 400
    assert "This field is required" in missing.content.decode()
    assert BidVersion.objects.filter(bid__tender=tender).count() == 1


def test_the_api_takes_a_bid_and_gives_a_receipt(client_for, tender, supplier):
    client = client_for(supplier)
    response = client.post(
        f"/api/v1/tendering/tenders/{tender.pk}/bids", bid_payload(), content_type="application/json"
    )
    assert response.status_code == 201
    assert len(response.json()["receipt"]) == 64
    mine = client.get(f"/api/v1/tendering/tenders/{tender.pk}/my-bid").json()
    assert mine["receipts"][0]["receipt"] == response.json()["receipt"]
    bad = client.post(
        f"/api/v1/tendering/tenders/{tender.pk}/bids", bid_payload(price="0"), content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "price"


# --- clarifications -----------------------------------------------------------------------------------------------


def test_answers_are_published_to_all_with_the_asker_anonymised(
    client_for, tender, supplier, second_supplier, officer
):
    question = services.clarification_ask(actor=supplier, tender_id=tender.pk, question="Are poles included?")
    assert "Are poles included?" not in client_for(second_supplier).get(f"/tenders/{tender.pk}/").content.decode()
    services.clarification_answer(actor=officer, clarification_id=question.pk, answer="Yes, 300 of them.")
    page = client_for(second_supplier).get(f"/tenders/{tender.pk}/").content.decode()
    assert "Are poles included?" in page
    assert "Yes, 300 of them." in page
    assert "Lumen Grid" not in page
    api = client_for(second_supplier).get(f"/api/v1/tendering/tenders/{tender.pk}/clarifications").json()
    assert api[0]["answer"] == "Yes, 300 of them."
    assert "asked_by" not in api[0]


def test_each_answer_is_published_as_the_tenders_questions_and_answers_document(tender, supplier, officer):
    first = services.clarification_ask(actor=supplier, tender_id=tender.pk, question="Are poles included?")
    second = services.clarification_ask(actor=supplier, tender_id=tender.pk, question="Is night work allowed?")
    services.clarification_answer(actor=officer, clarification_id=first.pk, answer="Yes, 300 of them.")
    services.clarification_answer(actor=officer, clarification_id=second.pk, answer="From 22:00 only.")
    releases = list(Release.objects.filter(ocid=tender.project.ocid, body__tag=["tenderUpdate"]).order_by("date"))
    assert len(releases) == 2
    documents = [r.body["tender"]["documents"] for r in releases]
    assert [[d["id"] for d in docs] for docs in documents] == [[f"tender-{tender.pk}-clarifications"]] * 2
    latest = documents[-1][0]
    assert latest["documentType"] == "clarifications"
    assert latest["description"] == (
        "Q1: Are poles included? A1: Yes, 300 of them. Q2: Is night work allowed? A2: From 22:00 only."
    )
    assert "dateModified" in latest
    assert "Lumen Grid" not in str(releases[-1].body)
    assert all(r.body["tender"]["hasEnquiries"] for r in releases)
    assert release_package_errors(release_package_build(releases=releases, uri="https://example.org/p.json")) == []


def test_questions_close_at_the_clarification_deadline(tender, supplier):
    import time_machine

    from civicpact.tendering.exceptions import DeadlinePassed

    with time_machine.travel(tender.clarification_deadline + timedelta(seconds=1)), pytest.raises(DeadlinePassed):
        services.clarification_ask(actor=supplier, tender_id=tender.pk, question="Late?")
    assert not Clarification.objects.filter(tender=tender).exists()


# --- the criteria form --------------------------------------------------------------------------------------------


def test_the_criteria_lines_round_trip():
    text = criteria_lines(CRITERIA)
    assert "quality.approach | Approach and innovation | 50 | 10 | 4" in text
    assert "price | Price | 40 | price" in text
    assert parse_criteria(text)[0]["children"][0]["threshold"] == 4


def test_the_officer_prepares_a_tender_in_the_browser_form(client_for, officer, procurement_project):
    local = {
        k: timezone.localtime(v).strftime("%Y-%m-%dT%H:%M") for k, v in timeline().items() if k != "publication_date"
    }
    response = client_for(officer).post(
        f"/tenders/new/{procurement_project.pk}/",
        {
            "version": 0,
            "title": "Connected LED street lighting",
            "description": "Scope.",
            "value_estimate": "16000000",
            "criteria_text": criteria_lines(CRITERIA),
            "price_formula": "lowest_relative",
            "eligibility_text": "Registered supplier",
            **local,
        },
    )
    assert response.status_code == 302
    tender = Tender.objects.get(project=procurement_project)
    assert tender.criteria[0]["children"][1]["key"] == "quality.delivery"
    bad = client_for(officer).post(
        f"/tenders/new/{procurement_project.pk}/",
        {"version": 0, "title": "x", "description": "y", "value_estimate": "1", "criteria_text": "a | b"},
    )
    assert bad.status_code == 400
    assert "Line 1: write key | name | weight" in bad.content.decode()
    assert Tender.objects.filter(project=procurement_project).count() == 1


def test_a_cancelled_tender_publishes_its_reasons_and_its_bids_stay_sealed(client_for, tender, supplier, officer):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    with pytest.raises(ValidationError):
        services.tender_cancel(actor=officer, tender_id=tender.pk, reasons=" ")
    response = client_for(officer).post(
        f"/api/v1/tendering/tenders/{tender.pk}/cancel",
        {"reasons": "Budget withdrawn."},
        content_type="application/json",
    )
    assert response.json()["status"] == "cancelled"
    release = Release.objects.filter(ocid=tender.project.ocid, body__tag=["tenderCancellation"]).get()
    assert release.body["tender"]["status"] == "cancelled"
    [details] = [d for d in release.body["tender"]["documents"] if d["documentType"] == "cancellationDetails"]
    assert (details["id"], details["description"]) == (f"tender-{tender.pk}-cancellation", "Budget withdrawn.")
    assert release_package_errors(release_package_build(releases=[release], uri="https://example.org/p.json")) == []
    import time_machine

    from civicpact.tendering.exceptions import TenderingError

    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)), pytest.raises(TenderingError):
        services.tender_open(actor=officer, tender_id=tender.pk)
    with pytest.raises(PermissionDenied):
        services.tender_cancel(actor=supplier, tender_id=tender.pk, reasons="Mine")


def test_the_demo_city_has_a_published_challenge_with_a_sealed_bid(client_for, citizen, officer):
    from civicpact.demo.tendering import FLOOD_TENDER

    tender = Tender.objects.get(title=FLOOD_TENDER)
    assert (tender.status, tender.procedure) == ("published", "challenge_based")
    page = citizen.get(f"/tenders/{tender.pk}/").content.decode()
    assert "May sensors be mounted" in page
    assert "Radar level sensors" not in page
    assert "Bids received: <strong>1</strong>" in client_for(officer).get(f"/tenders/{tender.pk}/").content.decode()


# --- amendments -------------------------------------------------------------------------------------------------


def test_an_amendment_invalidates_earlier_bids_tells_their_bidders_and_is_published(
    tender, supplier, officer, django_capture_on_commit_callbacks
):
    from django.core import mail

    from civicpact.tendering.models import Amendment

    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    later = tender.submission_deadline + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        amendment = services.tender_amend(
            actor=officer,
            tender_id=tender.pk,
            expected_version=tender.version,
            rationale="Poles in the old town added to the scope.",
            submission_deadline=later,
            opening_date=later,
            evaluation_end=later + timedelta(days=14),
            standstill_end=later + timedelta(days=25),
            description="Now with the old town's poles.",
        )
    assert amendment.bids_invalidated == 1
    assert Bid.objects.get(tender=tender).status == "needs_reconfirmation"
    assert any("must be re-confirmed" in m.body for m in mail.outbox)
    release = Release.objects.filter(ocid=tender.project.ocid, body__tag=["tenderAmendment"]).get()
    assert release.body["tender"]["amendments"][0]["rationale"] == "Poles in the old town added to the scope."
    assert release_package_errors(release_package_build(releases=[release], uri="https://example.org/p.json")) == []
    import time_machine

    with time_machine.travel(later + timedelta(minutes=1)):
        assert services.tender_open(actor=officer, tender_id=tender.pk).bids == []  # not re-confirmed: not opened
    assert Amendment.objects.count() == 1


def test_a_reconfirmed_bid_is_opened(tender, supplier, officer):
    import time_machine

    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    services.tender_amend(
        actor=officer, tender_id=tender.pk, expected_version=tender.version, rationale="Typo.", description="Fixed."
    )
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        assert len(services.tender_open(actor=officer, tender_id=tender.pk).bids) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rationale": " "}, "rationale"),
        ({"rationale": "x", "publication_date": timezone.now()}, "publication_date"),
        ({"rationale": "x"}, "__all__"),
    ],
)
def test_a_bad_amendment_names_the_field(tender, officer, change, field):
    with pytest.raises(ValidationError) as caught:
        services.tender_amend(actor=officer, tender_id=tender.pk, expected_version=tender.version, **change)
    assert field in caught.value.message_dict


def test_the_officer_amends_in_the_browser_form(client_for, tender, officer):
    from civicpact.tendering.forms import TenderForm

    initial = TenderForm.initial_from(tender)
    data = dict(initial)
    for key in ("clarification_deadline", "submission_deadline", "opening_date", "evaluation_end", "standstill_end"):
        data[key] = timezone.localtime(initial[key]).strftime("%Y-%m-%dT%H:%M")
    data["description"] = "Amended scope."
    data["rationale"] = "Scope clarified."
    response = client_for(officer).post(f"/tenders/{tender.pk}/amend/", data, follow=True)
    assert "The amendment is published" in response.content.decode()
    assert "Scope clarified." in response.content.decode()


def test_the_officers_home_lists_the_tenders_in_progress(client_for, officer, supplier):
    page = client_for(officer).get("/").content.decode()
    assert "Tenders in progress" in page
    assert "more warning of river floods</a> (published: open for bids" in page
    assert "Tenders in progress" not in client_for(supplier).get("/").content.decode()


def test_the_procedures_rationale_is_published_with_the_tender(citizen, tender):
    route = tender.project.route_choices.first()
    release = Release.objects.filter(ocid=tender.project.ocid, body__tag=["tender"]).get()
    assert release.body["tender"]["procurementMethodRationale"] == route.reason
    assert route.reason in citizen.get(f"/tenders/{tender.pk}/").content.decode()


def test_a_sole_source_justification_leads_the_rationale(tender, officer):
    from civicpact.appraisal import services as appraisal

    facts = {**tender.project.route_choices.first().facts, "sole_source_justification": "extreme_urgency"}
    appraisal.route_choose(
        actor=officer,
        project_id=tender.project.pk,
        facts=facts,
        chosen_route="sole_source",
        sole_source_justification="extreme_urgency",
        reason="The flood season starts in three weeks.",
    )
    rationale = services.method_rationale(Tender.objects.get(pk=tender.pk))
    assert rationale.endswith(". The flood season starts in three weeks.")
    assert rationale != "The flood season starts in three weeks."
