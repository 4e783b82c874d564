"""Stages and the Swiss challenge through the pages and the API: the same rules, and the refusals tested."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from civicpact.tendering import stages
from civicpact.tendering.models import Tender
from tests.tendering.fixtures import bid_payload, choose_route, tender_fields, timeline
from tests.tendering.test_stages import APPLICATION, QUALITY_ONLY, challenged, first_stage, open_and_score

API = "/api/v1/tendering"


def iso(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()}


@pytest.fixture
def evaluated_phase(officer, procurement_project, supplier, second_supplier, committee) -> Tender:
    """A PCP solution-design phase keeping 1 of 2, evaluated (Lumen Grid ahead), not yet closed."""
    from civicpact.tendering import services

    phase = first_stage(
        officer, procurement_project, "pre_commercial", criteria=QUALITY_ONLY, keep=1, phase_payment="50000"
    )
    for user in (supplier, second_supplier):
        services.bid_submit(actor=user, tender_id=phase.pk, payload=APPLICATION)
    return open_and_score(phase, officer, committee)


# --- API ---------------------------------------------------------------------------------------------------------


def test_a_stage_closes_through_the_api_only_for_the_ppp_unit_and_shows_the_public_only_who_was_kept(
    client_for, citizen, officer, supplier, evaluator, evaluated_phase
):
    url = f"{API}/tenders/{evaluated_phase.pk}"
    assert citizen.get(f"{url}/stage/result").status_code == 404  # not closed yet
    for someone in (supplier, evaluator):
        refused = client_for(someone).post(f"{url}/stage/close", {"reasons": "x"}, content_type="application/json")
        assert refused.status_code == 403
    empty = client_for(officer).post(f"{url}/stage/close", {"reasons": " "}, content_type="application/json")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "reasons"
    closed = client_for(officer).post(
        f"{url}/stage/close", {"reasons": "The best design."}, content_type="application/json"
    )
    assert closed.status_code == 200
    body = closed.json()
    assert [(k["name"], k["payment"]) for k in body["kept"]] == [("Lumen Grid", "50000.00")]
    assert body["not_kept"][0]["reason"] == "ranked 2, below the 1 kept"
    public = citizen.get(f"{url}/stage/result").json()
    assert public["kept"][0]["name"] == "Lumen Grid"
    assert public["not_kept"] is None
    again = client_for(officer).post(f"{url}/stage/close", {"reasons": "Twice."}, content_type="application/json")
    assert again.status_code == 409


def test_the_next_stage_is_drafted_through_the_api_and_refuses_the_suppliers_not_kept(
    client_for, officer, supplier, second_supplier, evaluated_phase
):
    stages.stage_close(actor=officer, tender_id=evaluated_phase.pk, reasons="The best design.")
    url = f"{API}/tenders/{evaluated_phase.pk}/stage/next"
    assert client_for(supplier).post(url, iso(timeline()), content_type="application/json").status_code == 403
    wrong = client_for(officer).post(url, iso({**timeline(), "stage": "test_series"}), content_type="application/json")
    assert wrong.status_code == 422
    assert "solution design is followed by prototype, not the test series" in wrong.json()["errors"][0]["message"]
    created = client_for(officer).post(
        url, iso({**timeline(), "phase_payment": "90000"}), content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["stage"], body["previous_stage_id"], body["keep"], body["phase_payment"]) == (
        "prototype",
        evaluated_phase.pk,
        1,
        "90000.00",
    )
    tender = Tender.objects.get(pk=body["id"])
    published = client_for(officer).post(
        f"{API}/tenders/{tender.pk}/publish", {"version": tender.version}, content_type="application/json"
    )
    assert published.status_code == 200
    refused = client_for(second_supplier).post(
        f"{API}/tenders/{tender.pk}/bids", APPLICATION, content_type="application/json"
    )
    assert refused.status_code == 403
    assert "Brightway Services was not kept" in refused.json()["detail"]
    accepted = client_for(supplier).post(
        f"{API}/tenders/{tender.pk}/bids", APPLICATION, content_type="application/json"
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    ("route", "change", "field"),
    [
        ("open_tender", {"swiss_rule": "bonus"}, "proponent"),
        ("unsolicited_proposal", {"proponent_id": 999_999, "swiss_rule": "match"}, "proponent_id"),
        ("pre_commercial", {}, "keep"),
    ],
)
def test_a_tender_with_stage_fields_out_of_place_is_refused_through_the_api(
    client_for, officer, procurement_project, route, change, field
):
    choose_route(procurement_project, officer, route)
    payload = iso({**tender_fields(), "project_id": procurement_project.pk, **change})
    response = client_for(officer).post(f"{API}/tenders", payload, content_type="application/json")
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Tender.objects.filter(project=procurement_project).exists()


def test_the_right_to_match_through_the_api_shows_the_price_only_to_the_ppp_unit_and_the_proponent(
    client_for, citizen, officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    url = f"{API}/tenders/{tender.pk}/match"
    assert citizen.get(url).status_code == 404
    assert client_for(supplier).post(f"{url}/offer").status_code == 403
    offered = client_for(officer).post(f"{url}/offer")
    assert offered.status_code == 200
    assert offered.json()["best_price"] == "12900000.00"
    assert citizen.get(url).json()["best_price"] is None
    assert client_for(second_supplier).get(url).json()["best_price"] is None
    assert client_for(supplier).get(url).json()["best_price"] == "12900000.00"
    refused = client_for(second_supplier).post(f"{url}/respond", {"match": True}, content_type="application/json")
    assert refused.status_code == 403
    matched = client_for(supplier).post(f"{url}/respond", {"match": True}, content_type="application/json")
    assert matched.json()["response"] == "matched"
    award = client_for(officer).post(
        f"{API}/tenders/{tender.pk}/award", {"reasons": "Matched."}, content_type="application/json"
    )
    assert award.json()["winner"] == "Lumen Grid"


# --- pages -------------------------------------------------------------------------------------------------------


def test_the_officer_closes_a_phase_and_drafts_the_next_in_the_browser_forms(
    client_for, citizen, officer, supplier, second_supplier, evaluated_phase
):
    page = client_for(officer).get(f"/tenders/{evaluated_phase.pk}/").content.decode()
    assert "Close the stage" in page
    assert "Reasons for keeping the 1 best-ranked supplier" in page
    assert (
        client_for(supplier).post(f"/tenders/{evaluated_phase.pk}/stage/close/", {"reasons": "x"}).status_code == 403
    )
    done = client_for(officer).post(
        f"/tenders/{evaluated_phase.pk}/stage/close/", {"reasons": "The best design."}, follow=True
    )
    assert "Stage completed: suppliers kept for the next stage" in done.content.decode()
    public = citizen.get(f"/tenders/{evaluated_phase.pk}/").content.decode()
    assert "Lumen Grid" in public
    assert "ranked 2, below" not in public  # why the others were not kept: the PPP unit's (and theirs, by e-mail)
    assert client_for(supplier).get(f"/tenders/{evaluated_phase.pk}/stage/next/").status_code == 403
    form = client_for(officer).get(f"/tenders/{evaluated_phase.pk}/stage/next/")
    assert "Prepare the next stage" in form.content.decode()
    local = {
        k: timezone.localtime(v).strftime("%Y-%m-%dT%H:%M") for k, v in timeline().items() if k != "publication_date"
    }
    data = {**form.context["form"].initial, **local, "version": 0, "keep": 1, "phase_payment": "90000"}
    data["criteria_text"] = data["criteria_text"]
    data["proponent"] = ""
    created = client_for(officer).post(
        f"/tenders/{evaluated_phase.pk}/stage/next/",
        {k: v for k, v in data.items() if v is not None},
        follow=True,
    )
    assert "The next stage is drafted" in created.content.decode()
    following = Tender.objects.get(previous_stage=evaluated_phase)
    assert (following.stage, following.phase_payment) == ("prototype", Decimal(90000))
    client_for(officer).post(f"/tenders/{following.pk}/publish/")
    uninvited = client_for(second_supplier).get(f"/tenders/{following.pk}/").content.decode()
    assert "your organisation was not kept" in uninvited
    assert "Seal and submit" not in uninvited
    invited = client_for(supplier).get(f"/tenders/{following.pk}/").content.decode()
    assert "Seal and submit" in invited
    assert "open only to the suppliers kept at the previous stage: Lumen Grid" in invited


def test_the_proponent_answers_its_right_to_match_on_the_tender_page(
    client_for, officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    officer_page = client_for(officer).get(f"/tenders/{tender.pk}/").content.decode()
    assert "Offer the proponent its right to match" in officer_page
    client_for(officer).post(f"/tenders/{tender.pk}/match/offer/")
    page = client_for(supplier).get(f"/tenders/{tender.pk}/").content.decode()
    assert "Match the best competing offer: a price of 12,900,000.00" in page
    assert (
        "Match the best competing offer"
        not in client_for(second_supplier).get(f"/tenders/{tender.pk}/").content.decode()
    )
    denied = client_for(second_supplier).post(f"/tenders/{tender.pk}/match/respond/", {"match": "yes"})
    assert denied.status_code == 403
    answered = client_for(supplier).post(f"/tenders/{tender.pk}/match/respond/", {"match": "yes"}, follow=True)
    assert "You matched the best competing offer." in answered.content.decode()


def test_a_submitted_final_offer_shows_no_revision_or_withdrawal(
    client_for, officer, procurement_project, supplier, committee
):
    from civicpact.tendering import services
    from tests.tendering.test_evaluation_flow import SCORES

    round_one = first_stage(
        officer, procurement_project, "competitive_dialogue", stage="dialogue_round", criteria=QUALITY_ONLY, keep=1
    )
    services.bid_submit(actor=supplier, tender_id=round_one.pk, payload=APPLICATION)
    page = client_for(supplier).get(f"/tenders/{round_one.pk}/").content.decode()
    assert "Revise your bid" in page  # a dialogue round takes revisions
    open_and_score(round_one, officer, committee, {"Lumen Grid": SCORES["Lumen Grid"]})
    stages.stage_close(actor=officer, tender_id=round_one.pk, reasons="Ready for final offers.")
    final = stages.stage_next(
        actor=officer, tender_id=round_one.pk, stage="final_offer", criteria=tender_fields()["criteria"], **timeline()
    )
    final = services.tender_publish(actor=officer, tender_id=final.pk, expected_version=final.version)
    services.bid_submit(actor=supplier, tender_id=final.pk, payload=bid_payload())
    page = client_for(supplier).get(f"/tenders/{final.pk}/").content.decode()
    assert "Your best and final offer is locked." in page
    assert "Seal and submit" not in page
    assert "Withdraw your bid" not in page
    refused = client_for(supplier).post(f"/tenders/{final.pk}/bid/withdraw/", follow=True)
    assert "cannot be withdrawn" in refused.content.decode()


def test_the_evaluation_report_records_the_down_selection_for_the_ppp_unit_and_auditors(
    client_for, officer, auditor, supplier, evaluated_phase
):
    from civicpact.tendering.evaluation_views import _report_data

    url = f"/tenders/{evaluated_phase.pk}/evaluation-report.pdf"
    assert client_for(auditor).get(url).status_code == 403  # not before the stage is decided
    stages.stage_close(actor=officer, tender_id=evaluated_phase.pk, reasons="The best design.")
    for reader in (officer, auditor):
        response = client_for(reader).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
    assert client_for(supplier).get(url).status_code == 403
    request = type("Request", (), {"user": officer})()
    data = _report_data(request, Tender.objects.get(pk=evaluated_phase.pk))
    assert data["stage_result"].kept[0]["name"] == "Lumen Grid"
    assert data["ranking"]["winner"] == "Lumen Grid"
