"""The evaluation through the API: the same rules and refusals as the services and pages."""

from __future__ import annotations

import pytest

from civicpact.tendering import evaluation

SCORES = {"Lumen Grid": (9, 8), "Brightway Services": (5, 6)}


def url(tender, tail=""):
    return f"/api/v1/tendering/tenders/{tender.pk}{tail}"


def test_an_evaluator_declares_scores_submits_then_sees_the_committee(client_for, opened, committee):
    client = client_for(committee[0])
    bids = {b.supplier.name: b for b in evaluation.current_bids(opened)}
    early = client.put(
        url(opened, "/scores"),
        {"bid_id": bids["Lumen Grid"].pk, "criterion": "quality.approach", "value": 5, "justification": "x"},
        content_type="application/json",
    )
    assert early.status_code == 403
    assert client.get(url(opened, "/bids")).status_code == 403
    declared = client.post(
        url(opened, "/declarations"),
        {"declarations": [{"supplier_id": b.supplier_id, "conflict": False} for b in bids.values()]},
        content_type="application/json",
    )
    assert declared.status_code == 200
    assert declared.json()["recused"] is False
    assert client.get(url(opened, "/moderation")).status_code == 403  # not before submitting
    bad = client.put(
        url(opened, "/scores"),
        {"bid_id": bids["Lumen Grid"].pk, "criterion": "quality.approach", "value": 12, "justification": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "value"
    for name, (approach, delivery) in SCORES.items():
        for key, value in (("quality.approach", approach), ("quality.delivery", delivery)):
            saved = client.put(
                url(opened, "/scores"),
                {"bid_id": bids[name].pk, "criterion": key, "value": value, "justification": "Read it."},
                content_type="application/json",
            )
            assert saved.status_code == 200
    assert client.post(url(opened, "/scores/submit")).status_code == 200
    cells = client.get(url(opened, "/moderation")).json()
    assert len(cells) == 4


@pytest.mark.parametrize("persona", ["supplier", "lead", "auditor", "evaluator"])
def test_only_the_ppp_unit_appoints_ranks_and_awards(request, client_for, opened, persona):
    client = client_for(request.getfixturevalue(persona))
    assert (
        client.post(url(opened, "/committee"), {"evaluator_ids": []}, content_type="application/json").status_code
        == 403
    )
    assert client.get(url(opened, "/ranking")).status_code == 403
    assert client.post(url(opened, "/award"), {"reasons": "x"}, content_type="application/json").status_code == 403


def test_the_award_through_the_api_waits_for_the_evaluation(client_for, opened, officer):
    response = client_for(officer).post(url(opened, "/award"), {"reasons": "Best."}, content_type="application/json")
    assert response.status_code == 409
    assert "not every evaluator has submitted" in response.json()["detail"]
    assert client_for(officer).get(url(opened, "/ranking")).status_code == 409


def test_no_debrief_before_the_award(client_for, opened, second_supplier):
    assert client_for(second_supplier).get(url(opened, "/debrief")).status_code == 404


def test_an_eligibility_decision_on_a_bid_that_does_not_exist_is_a_404(client_for, opened, officer):
    response = client_for(officer).put(
        url(opened, "/bids/999999/eligibility"), {"eligible": True, "note": ""}, content_type="application/json"
    )
    assert response.status_code == 404
    assert "No such bid" in response.json()["detail"]
