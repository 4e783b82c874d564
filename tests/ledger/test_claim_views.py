"""The claims register, form and API: who may see and make claims, and what the public portal shows."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from civicpact.ledger.models import ClaimState, ConfidentialityClaim, Release
from civicpact.ledger.services import release_append
from tests.ledger.test_confidentiality import SECRET, _claim, _doc, _user, contract_sections, tender_sections

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def ocid(city) -> str:
    from civicpact.ledger.services import ocid_mint

    return ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-1").ocid


def _form(ocid: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "kind": "document",
        "target": "doc-1",
        "reason": "commercial",
        "reason_text": "pricing",
        "ends_on": "2026-06-30",
    } | kwargs


@time_machine.travel(NOW, tick=False)
def test_an_officer_claims_through_the_form_and_sees_it_in_the_register(ocid, client_for):
    client = client_for(_user("officer"))
    form = client.get(f"/audit/claims/new/?ocid={ocid}&kind=document&target=tender-document-4")
    assert form.status_code == 200
    assert 'value="tender-document-4"' in form.content.decode()
    response = client.post("/audit/claims/new/", _form(ocid))
    assert response.status_code == 302
    claim = ConfidentialityClaim.objects.get()
    assert (claim.state, claim.claimed_by, claim.approved_by) == (
        ClaimState.ACTIVE,
        _user("officer"),
        _user("officer"),
    )
    page = client.get(response["Location"]).content.decode()
    assert "doc-1" in page
    assert "Commercial confidentiality: pricing" in page
    assert "In force" in page


@time_machine.travel(NOW, tick=False)
def test_a_form_with_a_past_end_date_is_shown_again_with_the_reason(ocid, client_for):
    response = client_for(_user("officer")).post("/audit/claims/new/", _form(ocid, ends_on="2026-01-01"))
    assert response.status_code == 200
    assert "the end date has passed" in response.content.decode()
    assert not ConfidentialityClaim.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("username", ["evaluator", "analyst", "supplier"])
def test_the_register_is_refused_to_others(ocid, client_for, username):
    assert client_for(_user(username)).get("/audit/claims/").status_code == 403
    assert client_for(_user(username)).get("/api/v1/claims/").status_code == 403


def test_the_register_needs_a_sign_in(city, citizen):
    assert citizen.get("/audit/claims/").status_code == 302
    assert citizen.get("/api/v1/claims/").status_code == 401


@time_machine.travel(NOW, tick=False)
def test_an_auditor_sees_what_is_withheld_and_why_but_never_the_content(ocid, client_for):
    _claim(ocid, withhold_title=True)
    release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", SECRET)))
    client = client_for(_user("auditor"))
    page = client.get("/audit/claims/").content.decode()
    assert "doc-1" in page
    assert "title too" in page
    assert SECRET not in page
    assert "End #" not in page  # auditors read, they do not end claims
    listed = client.get(f"/api/v1/claims/?ocid={ocid}").json()
    assert [(c["target"], c["reason"], c["in_force"], c["claimed_by"]) for c in listed] == [
        ("doc-1", "commercial", True, "officer")
    ]
    assert SECRET not in json.dumps(listed)
    assert client.post("/api/v1/claims/", _form(ocid), content_type="application/json").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_staff_create_claims_through_the_api(ocid, client_for):
    client = client_for(_user("manager"))
    response = client.post(
        "/api/v1/claims/", _form(ocid, kind="field", target="contracts/*/value"), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "active"
    bad = client.post("/api/v1/claims/", _form(ocid, reason="nope"), content_type="application/json")
    assert bad.status_code == 422


@time_machine.travel(NOW, tick=False)
def test_the_register_ends_a_claim_and_the_disclosure_is_published(ocid, client_for):
    claim = _claim(ocid)
    release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
    assert client_for(_user("auditor")).post(f"/audit/claims/{claim.pk}/end/").status_code == 403
    response = client_for(_user("manager")).post(f"/audit/claims/{claim.pk}/end/", {"note": "no longer sensitive"})
    assert response.status_code == 302
    newest = Release.objects.filter(ocid=ocid).order_by("-date").first()
    assert newest.body["tender"]["documents"][0]["url"] == "https://example.org/doc-1.pdf"


@time_machine.travel(NOW, tick=False)
def test_the_portal_shows_what_is_withheld_where_it_would_be(ocid, citizen: Client):
    _claim(ocid, kind="field", target="contracts/*/value", reason="commercial", reason_text="")
    _claim(ocid, target="doc-1", reason="security", reason_text="", withhold_title=True)
    sections = contract_sections(amount=4_321_987.0)
    sections["contracts"][0]["documents"] = [_doc("doc-1", SECRET), _doc("doc-2", "Open annex")]
    release_append(actor=None, ocid=ocid, tags=["contract"], sections=sections)
    html = citizen.get(f"/open/contracts/{ocid}/contract-1/").content.decode()
    assert "Withheld: commercial confidentiality, until 2026-06-30" in html
    assert "Withheld: security, until 2026-06-30." in html
    assert "https://example.org/doc-2.pdf" in html
    assert "https://example.org/doc-1.pdf" not in html
    for hidden in (SECRET, "4,321,987", "4321987"):
        assert hidden not in html
    record = citizen.get(f"/api/v1/ocds/records/{ocid}").content.decode()
    assert SECRET not in record
    assert "4321987" not in record


def test_the_register_says_when_the_target_was_already_published(ocid, client_for):
    with time_machine.travel(NOW, tick=False):
        release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
    with time_machine.travel(datetime(2026, 3, 3, tzinfo=UTC), tick=False):
        _claim(ocid)
        page = client_for(_user("officer")).get("/audit/claims/").content.decode()
    assert "Already published before the claim in 1 release: published releases are never changed." in page


@time_machine.travel(NOW, tick=False)
def test_ending_a_claim_twice_is_refused_with_a_message(ocid, client_for):
    claim = _claim(ocid)
    client = client_for(_user("officer"))
    client.post(f"/audit/claims/{claim.pk}/end/")
    response = client.post(f"/audit/claims/{claim.pk}/end/", follow=True)
    assert response.status_code == 200
    assert "only an active claim can be ended" in response.content.decode()
    assert ConfidentialityClaim.objects.filter(state=ClaimState.ENDED).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_supplier_requests_through_the_form_and_the_ppp_unit_approves_in_the_register(ocid, client_for):
    from tests.ledger.test_confidentiality import _supplier_party_of

    supplier = _supplier_party_of(ocid)
    response = client_for(supplier).post("/audit/claims/new/", _form(ocid))
    assert response.status_code == 200
    assert "waits for the PPP unit's decision" in response.content.decode()
    request = ConfidentialityClaim.objects.get()
    assert (
        client_for(_user("manager")).post(f"/audit/claims/{request.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    officer = client_for(_user("officer"))
    assert "Approve #" in officer.get("/audit/claims/").content.decode()
    officer.post(f"/audit/claims/{request.pk}/decide/", {"decision": "approve", "note": "fair"})
    assert claims_in_force(ocid) == ["doc-1"]


def claims_in_force(ocid: str) -> list[str]:
    from django.utils import timezone

    return [c.target for c in ConfidentialityClaim.objects.in_force(timezone.localdate()).filter(ocid=ocid)]
