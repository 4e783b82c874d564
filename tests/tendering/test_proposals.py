"""Unsolicited proposals: a verified supplier proposes; the proposal is private to it and the city until the PPP
unit accepts it (a need and a project are created, later tendered as a Swiss challenge naming the proponent) or
declines it with reasons."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicpact.accounts.models import Organisation
from civicpact.pipeline.models import Project
from civicpact.tendering import proposals, services
from civicpact.tendering.exceptions import TenderingError
from civicpact.tendering.models import ProposalStatus, UnsolicitedProposal
from tests.tendering.fixtures import choose_route, tender_fields

PROPOSAL = {
    "title": "Fibre to every traffic signal",
    "need_addressed": "Signals cannot be retimed remotely; incidents take hours to clear.",
    "summary": "We lay fibre along the ring road and run adaptive signal timing for ten years.",
    "value_estimate": "4200000",
    "duration_years": 10,
}


def test_a_proposal_is_private_to_its_proponent_and_the_city(
    client_for, citizen, supplier, second_supplier, officer, auditor
):
    proposal = proposals.proposal_submit(actor=supplier, **PROPOSAL)
    url = f"/tenders/proposals/{proposal.pk}/"
    assert client_for(supplier).get(url).status_code == 200
    assert client_for(officer).get(url).status_code == 200
    assert client_for(auditor).get(url).status_code == 200
    assert client_for(second_supplier).get(url).status_code == 404
    assert citizen.get(url).status_code == 302
    assert client_for(second_supplier).get("/api/v1/tendering/proposals").json() == []
    with pytest.raises(PermissionDenied):
        proposals.proposal_submit(actor=officer, **PROPOSAL)  # not a supplier
    with pytest.raises(ValidationError, match="required"):
        proposals.proposal_submit(actor=supplier, **{**PROPOSAL, "summary": " "})


def test_accepting_creates_a_need_and_a_project_and_deciding_twice_is_refused(officer, evaluator, supplier):
    proposal = proposals.proposal_submit(actor=supplier, **PROPOSAL)
    with pytest.raises(PermissionDenied):
        proposals.proposal_decide(actor=evaluator, proposal_id=proposal.pk, accept=False, reasons="No.")
    with pytest.raises(ValidationError, match="department"):
        proposals.proposal_decide(actor=officer, proposal_id=proposal.pk, accept=True, reasons="Worth it.")
    transport = Organisation.objects.get(name="Transport and Mobility")
    decided = proposals.proposal_decide(
        actor=officer, proposal_id=proposal.pk, accept=True, reasons="A real need.", department_id=transport.pk
    )
    assert decided.status == ProposalStatus.ACCEPTED
    project = Project.objects.get(pk=int(decided.project_id or 0))
    assert project.lead_department == transport
    assert project.project_needs.get().need.tags == ["unsolicited proposal"]
    with pytest.raises(TenderingError, match="already accepted"):
        proposals.proposal_decide(actor=officer, proposal_id=proposal.pk, accept=False, reasons="Changed my mind.")


def test_a_declined_proposal_tells_the_proponent_why(client_for, officer, supplier):
    proposal = proposals.proposal_submit(actor=supplier, **PROPOSAL)
    response = client_for(officer).post(
        f"/tenders/proposals/{proposal.pk}/", {"accept": "no", "reasons": "Already in the mobility plan."}, follow=True
    )
    assert "The decision is recorded" in response.content.decode()
    page = client_for(supplier).get(f"/tenders/proposals/{proposal.pk}/").content.decode()
    assert "Already in the mobility plan." in page
    assert "Record the decision" not in page


def test_the_swiss_challenge_tender_names_the_proponent_of_the_accepted_proposal(
    client_for, officer, supplier, procurement_project
):
    UnsolicitedProposal.objects.create(
        proponent=supplier.memberships.first().organisation,
        submitted_by=supplier,
        status=ProposalStatus.ACCEPTED,
        project=procurement_project,
        **{**PROPOSAL, "title": "Relight the city at our risk"},
    )
    choose_route(procurement_project, officer, "unsolicited_proposal")
    form = client_for(officer).get(f"/tenders/new/{procurement_project.pk}/")
    assert form.context["form"].initial["proposal_summary"] == PROPOSAL["summary"]
    tender = services.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields())
    assert (tender.stage, tender.proponent.name, tender.swiss_rule) == ("competing_offers", "Lumen Grid", "match")


def test_the_api_submits_and_decides(client_for, officer, supplier):
    created = client_for(supplier).post("/api/v1/tendering/proposals", PROPOSAL, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["proponent"] == "Lumen Grid"
    url = f"/api/v1/tendering/proposals/{created.json()['id']}/decision"
    assert (
        client_for(supplier).post(url, {"accept": False, "reasons": "x"}, content_type="application/json").status_code
        == 403
    )
    bad = client_for(officer).post(url, {"accept": True, "reasons": "Yes."}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "department"
    done = client_for(officer).post(url, {"accept": False, "reasons": "Not now."}, content_type="application/json")
    assert done.json()["status"] == "declined"
