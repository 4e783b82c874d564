"""Multi-stage procedures on the one engine: pre-qualification and invited bids, dialogue rounds ending in a locked
best and final offer, pre-commercial phases with phase payments, and a Swiss challenge's bonus and right to match."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.tendering import evaluation, services, stages
from civicpact.tendering.exceptions import DeadlinePassed, TenderingError
from civicpact.tendering.models import Tender, TenderStatus
from civicpact.transparency.compiled import record_get
from tests.tendering.fixtures import bid_payload, choose_route, tender_fields, timeline
from tests.tendering.test_evaluation_flow import SCORES, score_all

QUALITY_ONLY = [
    {
        "key": "quality",
        "name": "Capability",
        "weight": 100,
        "children": [
            {"key": "quality.approach", "name": "Approach and innovation", "weight": 50, "threshold": 4},
            {"key": "quality.delivery", "name": "Delivery plan", "weight": 50},
        ],
    }
]
APPLICATION = {"answers": {"quality.approach": "Ten cities lit.", "quality.delivery": "A team of 40."}}


def compiled(ocid: str) -> dict[str, Any]:
    """The process's compiled release, as the portal and the API serve it."""
    found = record_get(ocid=ocid)
    assert found is not None
    result: dict[str, Any] = found["compiledRelease"]
    return result


def publish(officer, tender: Tender) -> Tender:
    return services.tender_publish(actor=officer, tender_id=tender.pk, expected_version=tender.version)


def open_and_score(tender: Tender, officer, committee, scores=None) -> Tender:
    """Past the deadline: open, appoint the committee, score (Lumen Grid ahead by default), check eligibility."""
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    evaluation.committee_assign(actor=officer, tender_id=tender.pk, evaluator_ids=[u.pk for u in committee])
    score_all(committee, tender, scores)
    for bid in evaluation.current_bids(tender):
        evaluation.eligibility_set(actor=officer, tender_id=tender.pk, bid_id=bid.pk, eligible=True, note="")
    tender.refresh_from_db()
    return tender


def first_stage(officer, project, route: str, **change: Any) -> Tender:
    choose_route(project, officer, route)
    draft = services.tender_create(actor=officer, project_id=project.pk, **tender_fields(**change))
    return publish(officer, draft)


# --- restricted: pre-qualification, shortlist, invited bids ------------------------------------------------------


def test_a_restricted_procedure_shortlists_then_only_the_shortlist_bids_and_the_award_follows(
    officer, procurement_project, supplier, second_supplier, committee, django_capture_on_commit_callbacks
):
    prequalification = first_stage(
        officer, procurement_project, "restricted_tender", criteria=QUALITY_ONLY, keep=1, title="Lighting: PQ"
    )
    assert prequalification.stage == "prequalification"
    for user in (supplier, second_supplier):
        services.bid_submit(actor=user, tender_id=prequalification.pk, payload=APPLICATION)  # no price asked
    open_and_score(prequalification, officer, committee)
    with pytest.raises(TenderingError, match="ends in a down-selection"):
        evaluation.award_decide(actor=officer, tender_id=prequalification.pk, reasons="No.")
    with pytest.raises(ValidationError, match="reasons"):
        stages.stage_close(actor=officer, tender_id=prequalification.pk, reasons=" ")
    with django_capture_on_commit_callbacks(execute=True):
        result = stages.stage_close(actor=officer, tender_id=prequalification.pk, reasons="The strongest applicant.")
    assert [e["name"] for e in result.kept] == ["Lumen Grid"]
    assert result.not_kept[0]["name"] == "Brightway Services"
    assert result.not_kept[0]["reason"] == "ranked 2, below the 1 kept"
    assert any("is not kept" in m.body and "bids@brightway.example" in m.to for m in mail.outbox)
    prequalification.refresh_from_db()
    assert prequalification.status == TenderStatus.COMPLETED

    invited = stages.stage_next(
        actor=officer, tender_id=prequalification.pk, criteria=tender_fields()["criteria"], **timeline()
    )
    assert (invited.stage, invited.previous_stage_id, invited.title) == (
        "invited_bids",
        prequalification.pk,
        "Lighting: PQ",
    )
    with pytest.raises(TenderingError, match="already has its next stage"):
        stages.stage_next(actor=officer, tender_id=prequalification.pk, **timeline())
    invited = publish(officer, invited)
    tender = compiled(procurement_project.ocid)["tender"]
    assert (tender["id"], tender["status"]) == (f"tender-{invited.pk}", "active")
    assert "numberOfTenderers" not in tender  # not the pre-qualification's 2 applicants
    with pytest.raises(PermissionDenied, match="Brightway Services was not kept"):
        services.bid_submit(actor=second_supplier, tender_id=invited.pk, payload=bid_payload())
    with pytest.raises(PermissionDenied, match="was not kept"):
        services.clarification_ask(actor=second_supplier, tender_id=invited.pk, question="May we still bid?")
    services.bid_submit(actor=supplier, tender_id=invited.pk, payload=bid_payload(price="14500000"))
    open_and_score(invited, officer, committee, {"Lumen Grid": SCORES["Lumen Grid"]})
    assert compiled(procurement_project.ocid)["tender"]["numberOfTenderers"] == 1
    award = evaluation.award_decide(actor=officer, tender_id=invited.pk, reasons="The only invited bid, sound.")
    assert award.bid.supplier.name == "Lumen Grid"
    assert stages.stage_chain(invited) == [prequalification, invited]
    package = release_package_build(
        releases=list(Release.objects.filter(ocid=procurement_project.ocid)), uri="https://example.org/p.json"
    )
    assert release_package_errors(package) == []


def test_a_stage_is_closed_only_by_the_ppp_unit_after_its_evaluation(
    officer, procurement_project, supplier, evaluator, committee
):
    stage = first_stage(officer, procurement_project, "restricted_tender", criteria=QUALITY_ONLY, keep=2)
    services.bid_submit(actor=supplier, tender_id=stage.pk, payload=APPLICATION)
    with pytest.raises(TenderingError, match="not opened"):
        stages.stage_close(actor=officer, tender_id=stage.pk, reasons="Too early.")
    for someone in (supplier, evaluator):
        with pytest.raises(PermissionDenied):
            stages.stage_close(actor=someone, tender_id=stage.pk, reasons="Not mine to close.")
        with pytest.raises(PermissionDenied):
            stages.stage_next(actor=someone, tender_id=stage.pk, **timeline())
    with pytest.raises(TenderingError, match="down-selection is recorded"):
        stages.stage_next(actor=officer, tender_id=stage.pk, **timeline())


@pytest.mark.parametrize(
    ("route", "change", "field", "words"),
    [
        ("restricted_tender", {"criteria": QUALITY_ONLY}, "keep", "how many suppliers"),
        ("open_tender", {"keep": 2}, "keep", "ends in an award"),
        ("open_tender", {"stage": "prototype"}, "stage", "Open tender opens with a single stage, not prototype"),
        ("open_tender", {"phase_payment": "5000"}, "phase_payment", "Only a pre-commercial procurement phase"),
        ("open_tender", {"swiss_rule": "bonus"}, "proponent", "Only a Swiss challenge"),
        ("unsolicited_proposal", {}, "proponent", "Name the proponent"),
    ],
)
def test_a_stage_out_of_its_procedure_is_refused_naming_the_field(
    officer, procurement_project, route, change, field, words
):
    choose_route(procurement_project, officer, route)
    with pytest.raises(ValidationError) as caught:
        services.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields(**change))
    assert words in " ".join(caught.value.message_dict[field])
    assert not Tender.objects.filter(project=procurement_project).exists()


# --- competitive dialogue: rounds with versions, then a locked best and final offer ------------------------------


def test_dialogue_rounds_take_revisions_and_the_best_and_final_offer_is_locked(
    officer, procurement_project, supplier, second_supplier, committee
):
    round_one = first_stage(
        officer, procurement_project, "competitive_dialogue", stage="dialogue_round", criteria=QUALITY_ONLY, keep=2
    )
    assert round_one.stage == "dialogue_round"
    for user in (supplier, second_supplier):
        services.bid_submit(actor=user, tender_id=round_one.pk, payload=APPLICATION)
    revised = services.bid_submit(actor=supplier, tender_id=round_one.pk, payload=APPLICATION)
    assert revised.number == 2  # a round takes new versions until its deadline
    open_and_score(round_one, officer, committee)
    stages.stage_close(actor=officer, tender_id=round_one.pk, reasons="Both solutions are worth pursuing.")
    final = stages.stage_next(
        actor=officer, tender_id=round_one.pk, stage="final_offer", criteria=tender_fields()["criteria"], **timeline()
    )
    assert final.keep is None
    final = publish(officer, final)
    services.bid_submit(actor=supplier, tender_id=final.pk, payload=bid_payload(price="14500000"))
    with pytest.raises(TenderingError, match="best and final offer is locked: it cannot be revised"):
        services.bid_submit(actor=supplier, tender_id=final.pk, payload=bid_payload(price="13000000"))
    with pytest.raises(TenderingError, match="cannot be withdrawn"):
        services.bid_withdraw(actor=supplier, tender_id=final.pk)
    services.bid_submit(actor=second_supplier, tender_id=final.pk, payload=bid_payload(price="12900000"))
    open_and_score(final, officer, committee)
    award = evaluation.award_decide(actor=officer, tender_id=final.pk, reasons="Best and final offer.")
    assert award.bid.supplier.name == "Lumen Grid"


# --- pre-commercial procurement: phases, suppliers kept per phase, phase payments ---------------------------------


def test_pcp_phases_keep_suppliers_pay_them_and_end_after_the_test_series(
    officer, procurement_project, supplier, second_supplier, committee
):
    design = first_stage(
        officer, procurement_project, "pre_commercial", criteria=QUALITY_ONLY, keep=1, phase_payment="50000"
    )
    assert design.stage == "solution_design"
    for user in (supplier, second_supplier):
        services.bid_submit(actor=user, tender_id=design.pk, payload=APPLICATION)
    open_and_score(design, officer, committee)
    result = stages.stage_close(actor=officer, tender_id=design.pk, reasons="The most promising design.")
    assert result.kept == [
        {
            "bid": result.kept[0]["bid"],
            "supplier": supplier.memberships.first().organisation_id,
            "name": "Lumen Grid",
            "rank": 1,
            "total": result.kept[0]["total"],
            "payment": "50000.00",
        }
    ]
    prototype = stages.stage_next(actor=officer, tender_id=design.pk, phase_payment="120000", **timeline())
    assert (prototype.stage, prototype.keep) == ("prototype", 1)
    prototype = publish(officer, prototype)
    services.bid_submit(actor=supplier, tender_id=prototype.pk, payload=APPLICATION)
    open_and_score(prototype, officer, committee, {"Lumen Grid": SCORES["Lumen Grid"]})
    stages.stage_close(actor=officer, tender_id=prototype.pk, reasons="The prototype works.")
    series = publish(officer, stages.stage_next(actor=officer, tender_id=prototype.pk, **timeline()))
    assert series.stage == "test_series"
    services.bid_submit(actor=supplier, tender_id=series.pk, payload=APPLICATION)
    open_and_score(series, officer, committee, {"Lumen Grid": SCORES["Lumen Grid"]})
    stages.stage_close(actor=officer, tender_id=series.pk, reasons="Tested in the field.")
    with pytest.raises(TenderingError, match="last stage"):
        stages.stage_next(actor=officer, tender_id=series.pk, **timeline())
    payments = [(t.stage, entry["payment"]) for t in stages.stage_chain(series) for entry in t.stage_result.kept]
    assert payments == [("solution_design", "50000.00"), ("prototype", "120000.00"), ("test_series", "120000.00")]


# --- Swiss challenge ---------------------------------------------------------------------------------------------


def swiss(officer, project, supplier, **change: Any) -> Tender:
    proponent = supplier.memberships.first().organisation
    fields = {
        "proponent": proponent,
        "proposal_summary": "Lumen Grid proposes to relight the city at its own risk.",
        "swiss_rule": "match",
        **change,
    }
    return first_stage(officer, project, "unsolicited_proposal", **fields)


# Brightway (the challenger) scores higher than the proponent Lumen Grid and is cheaper
CHALLENGER_AHEAD = {"Lumen Grid": [(5, 5), (5, 5), (5, 5)], "Brightway Services": [(9, 8), (8, 8), (9, 7)]}


def challenged(officer, project, supplier, second_supplier, committee, **change: Any) -> Tender:
    tender = swiss(officer, project, supplier, **change)
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload(price="14500000"))
    services.bid_submit(actor=second_supplier, tender_id=tender.pk, payload=bid_payload(price="12900000"))
    return open_and_score(tender, officer, committee, CHALLENGER_AHEAD)


def test_a_proponent_that_matches_the_best_offer_wins_at_its_price(
    officer, procurement_project, supplier, second_supplier, committee, django_capture_on_commit_callbacks
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    assert tender.stage == "competing_offers"
    with pytest.raises(TenderingError, match="offer it its right to match first"):
        evaluation.award_decide(actor=officer, tender_id=tender.pk, reasons="Too early.")
    with pytest.raises(PermissionDenied):
        stages.swiss_match_offer(actor=supplier, tender_id=tender.pk)
    with django_capture_on_commit_callbacks(execute=True):
        offer = stages.swiss_match_offer(actor=officer, tender_id=tender.pk)
    assert offer.best_price == Decimal("12900000")
    assert any("You may match it" in m.body for m in mail.outbox)
    assert "window" not in "".join(evaluation.award_blockers(tender))
    assert "may match the best competing offer until" in "".join(evaluation.award_blockers(tender))
    with pytest.raises(PermissionDenied, match="Only the proponent"):
        stages.swiss_match_respond(actor=second_supplier, tender_id=tender.pk, match=True)
    stages.swiss_match_respond(actor=supplier, tender_id=tender.pk, match=True)
    with pytest.raises(TenderingError, match="already answered"):
        stages.swiss_match_respond(actor=supplier, tender_id=tender.pk, match=False)
    award = evaluation.award_decide(actor=officer, tender_id=tender.pk, reasons="The proponent matched.")
    assert award.bid.supplier.name == "Lumen Grid"
    release = [r for r in Release.objects.filter(ocid=procurement_project.ocid) if "award" in r.tags][-1]
    assert release.body["awards"][0]["value"]["amount"] == 12_900_000
    package = release_package_build(
        releases=list(Release.objects.filter(ocid=procurement_project.ocid)), uri="https://example.org/p.json"
    )
    assert release_package_errors(package) == []


def test_a_proponent_that_lets_the_window_close_loses_to_the_best_offer(
    officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    offer = stages.swiss_match_offer(actor=officer, tender_id=tender.pk)
    with time_machine.travel(offer.deadline + timedelta(seconds=1)):
        with pytest.raises(DeadlinePassed, match="window to match closed"):
            stages.swiss_match_respond(actor=supplier, tender_id=tender.pk, match=True)
        award = evaluation.award_decide(actor=officer, tender_id=tender.pk, reasons="The proponent did not match.")
    assert award.bid.supplier.name == "Brightway Services"


def test_a_proponent_that_declines_loses_and_one_ranked_first_needs_no_match(
    officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(officer, procurement_project, supplier, second_supplier, committee)
    stages.swiss_match_offer(actor=officer, tender_id=tender.pk)
    stages.swiss_match_respond(actor=supplier, tender_id=tender.pk, match=False)
    award = evaluation.award_decide(actor=officer, tender_id=tender.pk, reasons="Declined to match.")
    assert award.bid.supplier.name == "Brightway Services"


def test_a_proponent_bonus_lifts_it_in_the_ranking_without_any_match(
    officer, procurement_project, supplier, second_supplier, committee
):
    tender = challenged(
        officer, procurement_project, supplier, second_supplier, committee, swiss_rule="bonus", swiss_bonus="40"
    )
    ranking, _ = evaluation.ranking_for(tender)
    proponent = next(r for r in ranking.results if r.bidder == "Lumen Grid")
    assert proponent.bonus == 40.0
    assert ranking.winner == "Lumen Grid"
    with pytest.raises(TenderingError, match="Only a Swiss challenge with a right to match"):
        stages.swiss_match_offer(actor=officer, tender_id=tender.pk)
    award = evaluation.award_decide(actor=officer, tender_id=tender.pk, reasons="Best with the bonus.")
    assert award.bid.supplier.name == "Lumen Grid"
