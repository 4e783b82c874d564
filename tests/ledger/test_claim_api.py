"""Approving, refusing and ending confidentiality claims through the API (/api/v1/claims/<id>/approve, /refuse,
/end): the same permissions as the register's buttons (docs/confidentiality.md)."""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from civicpact.ledger.models import ClaimState, ConfidentialityClaim, Release
from civicpact.ledger.services import ocid_mint, release_append
from tests.ledger.test_confidentiality import _claim, _doc, _supplier_party_of, _user, tender_sections

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("city")]


@pytest.fixture
def ocid(city) -> str:
    return ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-1").ocid


@pytest.fixture
def request_id(ocid) -> int:
    """A supplier's pending request on doc-1 of a process where it is a published supplier."""
    with time_machine.travel(NOW, tick=False):
        return _claim(ocid, actor=_supplier_party_of(ocid)).pk


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def _state(claim_id: int) -> str:
    return str(ConfidentialityClaim.objects.current().get(origin_id=claim_id).state)


@time_machine.travel(NOW, tick=False)
def test_the_ppp_unit_approves_a_request_through_the_api(request_id, client_for):
    response = _post(client_for(_user("officer")), f"/api/v1/claims/{request_id}/approve", {"note": "fair"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["state"], body["in_force"], body["claimed_by"], body["approved_by"]) == (
        request_id,
        "active",
        True,
        "supplier",
        "officer",
    )
    assert [(r["state"], r["actor"], r["note"]) for r in body["history"]] == [
        ("requested", "supplier", ""),
        ("active", "officer", "fair"),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_ppp_unit_refuses_a_request_through_the_api(request_id, client_for):
    response = _post(client_for(_user("admin")), f"/api/v1/claims/{request_id}/refuse", {"note": "already public"})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["in_force"]) == ("refused", False)
    assert _state(request_id) == ClaimState.REFUSED


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("username", ["manager", "auditor", "evaluator", "analyst", "lead"])
@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_other_staff_may_not_decide_a_request(request_id, client_for, username, decision):
    response = _post(client_for(_user(username)), f"/api/v1/claims/{request_id}/{decision}")
    assert response.status_code == 403
    assert "Only the PPP unit decides" in response.json()["detail"]
    assert not ConfidentialityClaim.objects.filter(origin_id=request_id).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("action", ["approve", "refuse", "end"])
def test_the_requesting_supplier_may_not_decide_or_end_its_own_request(request_id, client_for, action):
    assert _post(client_for(_user("supplier")), f"/api/v1/claims/{request_id}/{action}").status_code == 403
    assert not ConfidentialityClaim.objects.filter(origin_id=request_id).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("action", ["approve", "refuse", "end"])
def test_another_suppliers_user_may_not_touch_the_request(request_id, client_for, other_supplier, action):
    assert _post(client_for(other_supplier), f"/api/v1/claims/{request_id}/{action}").status_code == 403
    assert not ConfidentialityClaim.objects.filter(origin_id=request_id).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("action", ["approve", "refuse", "end"])
def test_decisions_need_a_sign_in(request_id, citizen, action):
    assert _post(citizen, f"/api/v1/claims/{request_id}/{action}").status_code == 401


@time_machine.travel(NOW, tick=False)
def test_an_unknown_claim_is_not_found_for_the_ppp_unit_but_refused_to_others(city, client_for):
    officer = _post(client_for(_user("officer")), "/api/v1/claims/999999/approve")
    assert (officer.status_code, officer.json()["detail"]) == (404, "No claim #999999.")
    assert _post(client_for(_user("supplier")), "/api/v1/claims/999999/approve").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_only_a_pending_request_is_decided(ocid, client_for):
    active = _claim(ocid)
    response = _post(client_for(_user("officer")), f"/api/v1/claims/{active.pk}/approve")
    assert response.status_code == 409
    assert response.json()["detail"] == "only a pending request can be approved or refused"


@time_machine.travel(NOW, tick=False)
def test_a_note_longer_than_the_register_keeps_is_refused(request_id, client_for):
    response = _post(client_for(_user("officer")), f"/api/v1/claims/{request_id}/refuse", {"note": "x" * 501})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "note"
    assert not ConfidentialityClaim.objects.filter(origin_id=request_id).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("username", ["officer", "manager"])
def test_staff_end_a_claim_early_and_the_disclosure_is_published(ocid, client_for, username):
    claim = _claim(ocid)
    release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
    response = _post(client_for(_user(username)), f"/api/v1/claims/{claim.pk}/end", {"note": "no longer sensitive"})
    assert response.status_code == 200, response.content
    body = response.json()
    newest = Release.objects.filter(ocid=ocid).order_by("-date").first()
    assert (body["state"], body["in_force"], body["disclosure_release_id"]) == ("ended", False, newest.release_id)
    assert body["history"][-1]["note"] == "no longer sensitive"
    assert newest.body["tender"]["documents"][0]["url"] == "https://example.org/doc-1.pdf"


@time_machine.travel(NOW, tick=False)
def test_ending_a_claim_that_withheld_nothing_yet_publishes_nothing(ocid, client_for):
    claim = _claim(ocid)
    response = _post(client_for(_user("officer")), f"/api/v1/claims/{claim.pk}/end")
    assert (response.status_code, response.json()["disclosure_release_id"]) == (200, "")
    assert not Release.objects.filter(ocid=ocid).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("username", ["auditor", "evaluator", "analyst", "lead"])
def test_others_may_not_end_a_claim(ocid, client_for, username):
    claim = _claim(ocid)
    response = _post(client_for(_user(username)), f"/api/v1/claims/{claim.pk}/end")
    assert response.status_code == 403
    assert ConfidentialityClaim.objects.current().get(pk=claim.pk).state == ClaimState.ACTIVE


@time_machine.travel(NOW, tick=False)
def test_ending_a_claim_twice_is_a_conflict(ocid, client_for):
    claim = _claim(ocid)
    client = client_for(_user("officer"))
    assert _post(client, f"/api/v1/claims/{claim.pk}/end").status_code == 200
    again = _post(client, f"/api/v1/claims/{claim.pk}/end")
    assert (again.status_code, again.json()["detail"]) == (409, "only an active claim can be ended")
    assert ConfidentialityClaim.objects.filter(state=ClaimState.ENDED).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_pending_request_cannot_be_ended(request_id, client_for):
    response = _post(client_for(_user("officer")), f"/api/v1/claims/{request_id}/end")
    assert response.status_code == 409
    assert not ConfidentialityClaim.objects.filter(origin_id=request_id).exists()


@time_machine.travel(NOW, tick=False)
def test_a_decision_needs_no_body(request_id, client_for):
    response = client_for(_user("officer")).generic("POST", f"/api/v1/claims/{request_id}/approve")
    assert response.status_code == 200, response.content
    assert response.json()["history"][-1]["note"] == ""
