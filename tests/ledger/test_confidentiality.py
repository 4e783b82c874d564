"""Confidentiality claims: publication applies them, their end publishes the disclosure (docs/confidentiality.md)."""

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicpact.accounts.models import Membership, Role, User
from civicpact.domain.ocds import DocumentRef, document
from civicpact.ledger import claims
from civicpact.ledger.exceptions import AppendOnlyViolation
from civicpact.ledger.models import ClaimState, ConfidentialityClaim, Release, WithheldContent
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.services import ocid_mint, release_append
from civicpact.ledger.validation import release_package_errors

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UNTIL = date(2026, 6, 30)
SECRET = "ZEBRA-UNICORN-7731"
CITY = {"id": "PA-CITY", "name": "City of Port Aurelia"}


def _doc(doc_id: str, title: str) -> dict[str, Any]:
    return document(
        DocumentRef(
            doc_id,
            "technicalSpecifications",
            title,
            NOW,
            url=f"https://example.org/{doc_id}.pdf",
            media_type="application/pdf",
        )
    )


def tender_sections(*docs: dict[str, Any]) -> dict[str, Any]:
    return {
        "parties": [CITY | {"roles": ["buyer", "procuringEntity"]}],
        "buyer": CITY,
        "tender": {
            "id": "tender-1",
            "title": "Streetlights",
            "description": "LED lanterns.",
            "status": "active",
            "documents": list(docs),
        },
    }


def contract_sections(amount: float = 1_250_000.0) -> dict[str, Any]:
    return {
        "parties": [CITY | {"roles": ["buyer"]}, {"id": "org-9", "name": "Lumen SA", "roles": ["supplier"]}],
        "buyer": CITY,
        "awards": [{"id": "award-1", "status": "active", "suppliers": [{"id": "org-9", "name": "Lumen SA"}]}],
        "contracts": [
            {
                "id": "contract-1",
                "awardID": "award-1",
                "title": "Streetlight PPP",
                "status": "active",
                "description": "Design, build, operate.",
                "value": {"amount": amount, "currency": "EUR"},
            }
        ],
    }


@pytest.fixture
def ocid(city) -> str:
    return ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-1").ocid


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _claim(ocid: str, **kwargs: Any) -> ConfidentialityClaim:
    values: dict[str, Any] = {
        "actor": _user("officer"),
        "ocid": ocid,
        "kind": "document",
        "target": "doc-1",
        "reason": "commercial",
        "ends_on": UNTIL,
        "reason_text": "pricing model",
    } | kwargs
    return claims.claim_create(**values)


def _valid(*releases: Release) -> None:
    package = release_package_build(releases=list(releases), uri="https://example.org/p.json")
    assert release_package_errors(package) == []


@time_machine.travel(NOW, tick=False)
def test_a_claimed_document_is_published_without_its_url_and_says_why(ocid):
    _claim(ocid)
    release = release_append(
        actor=None,
        ocid=ocid,
        tags=["tender"],
        sections=tender_sections(_doc("doc-1", "Lantern design"), _doc("doc-2", "Map")),
    )
    withheld, other = release.body["tender"]["documents"]
    assert withheld == {
        "id": "doc-1",
        "documentType": "technicalSpecifications",
        "title": "Lantern design",
        "datePublished": "2026-03-02T09:00:00.000Z",
        "accessDetails": "Withheld: commercial confidentiality (pricing model), until 2026-06-30.",
    }
    assert other == _doc("doc-2", "Map")
    _valid(release)


@time_machine.travel(NOW, tick=False)
def test_an_unclaimed_document_is_published_unchanged(ocid):
    _claim(ocid, target="doc-other")
    sections = tender_sections(_doc("doc-1", "Lantern design"))
    release = release_append(actor=None, ocid=ocid, tags=["tender"], sections=sections)
    assert release.body["tender"]["documents"] == [_doc("doc-1", "Lantern design")]
    assert not WithheldContent.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_withheld_title_does_not_leak_anywhere_in_the_release(ocid):
    _claim(ocid, withhold_title=True)
    release = release_append(
        actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", f"Bridge weak points {SECRET}"))
    )
    assert SECRET not in json.dumps(release.body)
    assert release.body["tender"]["documents"][0]["title"] == "Withheld document"
    _valid(release)


@time_machine.travel(NOW, tick=False)
def test_a_claimed_field_is_absent_and_its_object_says_which_and_why(ocid):
    _claim(ocid, kind="field", target="contracts/*/value", reason="security", reason_text="")
    release = release_append(actor=None, ocid=ocid, tags=["contract"], sections=contract_sections())
    contract = release.body["contracts"][0]
    assert "value" not in contract
    assert contract["description"] == (
        "Design, build, operate. Field 'contracts/*/value' withheld: security, until 2026-06-30."
    )
    assert "1250000" not in json.dumps(release.body)
    _valid(release)


@time_machine.travel(NOW, tick=False)
def test_a_claim_applies_only_to_its_own_ocid(ocid):
    other = ocid_mint(actor=None, obj="pipeline.project:98", local_id="open-1").ocid
    _claim(ocid, kind="field", target="contracts/*/value")
    release = release_append(actor=None, ocid=other, tags=["contract"], sections=contract_sections())
    assert release.body["contracts"][0]["value"] == {"amount": 1250000.0, "currency": "EUR"}


def test_an_expired_claim_is_disclosed_by_a_new_release_and_old_ones_stay(ocid):
    with time_machine.travel(NOW, tick=False):
        _claim(ocid, kind="field", target="contracts/*/value")
        _claim(ocid)
        first = release_append(actor=None, ocid=ocid, tags=["contract"], sections=contract_sections())
        second = release_append(
            actor=None, ocid=ocid, tags=["tenderUpdate"], sections=tender_sections(_doc("doc-1", "Lantern design"))
        )
    with time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC), tick=False):
        assert claims.claims_disclose_expired() == []
    with time_machine.travel(datetime(2026, 7, 1, 8, tzinfo=UTC), tick=False):
        done = claims.claims_disclose_expired()
        assert len(done) == 2
        assert claims.claims_disclose_expired() == []  # once only
    by_id = {r.release_id: r for r in Release.objects.filter(ocid=ocid)}
    value_release = by_id[done[0].release_id].body
    assert value_release["tag"] == ["contractUpdate"]
    assert value_release["contracts"] == [
        {
            "id": "contract-1",
            "awardID": "award-1",
            "description": "Design, build, operate.",
            "value": {"amount": 1250000.0, "currency": "EUR"},
        }
    ]
    doc_release = by_id[done[1].release_id].body
    assert doc_release["tender"]["documents"] == [_doc("doc-1", "Lantern design") | {"accessDetails": None}]
    assert by_id[first.release_id].body == first.body  # published releases are never altered
    assert "value" not in by_id[first.release_id].body["contracts"][0]
    assert by_id[second.release_id].body["tender"]["documents"][0].get("url") is None
    _valid(*by_id.values())


def test_ending_a_claim_early_discloses_at_once(ocid):
    with time_machine.travel(NOW, tick=False):
        claim = _claim(ocid)
        release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
        disclosure = claims.claim_end(actor=_user("manager"), claim_id=claim.pk, note="tender closed")
        after = release_append(
            actor=None, ocid=ocid, tags=["tenderUpdate"], sections=tender_sections(_doc("doc-1", "Design"))
        )
    assert Release.objects.get(release_id=disclosure.release_id).body["tender"]["documents"][0]["url"]
    assert after.body["tender"]["documents"] == [_doc("doc-1", "Design")]
    rows = list(ConfidentialityClaim.objects.filter(ocid=ocid).order_by("pk"))
    assert [r.state for r in rows] == [ClaimState.ACTIVE, ClaimState.ENDED]
    assert rows[1].supersedes == rows[0]
    assert rows[1].note == "tender closed"


@time_machine.travel(NOW, tick=False)
def test_a_claim_is_never_edited(ocid):
    claim = _claim(ocid)
    claim.reason = "security"
    with pytest.raises(AppendOnlyViolation):
        claim.save()
    with pytest.raises(AppendOnlyViolation):
        ConfidentialityClaim.objects.filter(pk=claim.pk).update(reason="security")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("username", ["auditor", "evaluator", "analyst", "lead", "supplier"])
def test_only_the_ppp_unit_and_contract_managers_claim(ocid, username):
    with pytest.raises(PermissionDenied):
        _claim(ocid, actor=_user(username))


@time_machine.travel(NOW, tick=False)
def test_a_contract_manager_claims(ocid):
    assert _claim(ocid, actor=_user("manager")).state == ClaimState.ACTIVE


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "because"}, "unknown reason"),
        ({"kind": "field", "target": "ocid"}, "cannot be withheld"),
        ({"kind": "field", "target": "contracts/*/awardID"}, "cannot be withheld"),
        ({"kind": "field", "target": "bids/details/*/value"}, "no object along"),
        ({"ends_on": date(2026, 3, 1)}, "end date has passed"),
        ({"ocid": "ocds-cvp0dm-nothing"}, "unknown ocid"),
    ],
)
def test_a_claim_that_cannot_apply_is_refused(ocid, changes, message):
    with pytest.raises(ValidationError, match=message):
        _claim(changes.pop("ocid", ocid), **changes)


def _supplier_party_of(ocid: str) -> User:
    supplier = _user("supplier")
    org = Membership.objects.filter(user=supplier, role=Role.SUPPLIER_USER).first()
    assert org is not None
    sections = contract_sections()
    sections["parties"].append({"id": f"org-{org.organisation_id}", "name": "Supplier", "roles": ["supplier"]})
    release_append(actor=None, ocid=ocid, tags=["contract"], sections=sections)
    return supplier


@time_machine.travel(NOW, tick=False)
def test_a_supplier_requests_a_claim_that_the_ppp_unit_approves(ocid):
    supplier = _supplier_party_of(ocid)
    request = _claim(ocid, actor=supplier)
    assert request.state == ClaimState.REQUESTED
    release = release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "D")))
    assert "url" in release.body["tender"]["documents"][0]  # a request withholds nothing
    with pytest.raises(PermissionDenied):
        claims.claim_decide(actor=_user("manager"), claim_id=request.pk, approve=True)
    approved = claims.claim_decide(actor=_user("officer"), claim_id=request.pk, approve=True)
    assert (approved.state, approved.claimed_by, approved.approved_by) == (
        ClaimState.ACTIVE,
        supplier,
        _user("officer"),
    )
    release = release_append(
        actor=None, ocid=ocid, tags=["tenderUpdate"], sections=tender_sections(_doc("doc-1", "D"))
    )
    assert "url" not in release.body["tender"]["documents"][0]


@time_machine.travel(NOW, tick=False)
def test_a_supplier_cannot_request_outside_its_processes(ocid):
    with pytest.raises(PermissionDenied):
        _claim(ocid, actor=_user("supplier"))


@time_machine.travel(NOW, tick=False)
def test_a_refused_request_withholds_nothing(ocid):
    request = _claim(ocid, actor=_supplier_party_of(ocid))
    claims.claim_decide(actor=_user("officer"), claim_id=request.pk, approve=False, note="already public")
    release = release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "D")))
    assert "url" in release.body["tender"]["documents"][0]


def test_the_command_discloses_expired_claims(ocid, capsys):
    from civicpact.cli import main

    with time_machine.travel(NOW, tick=False):
        _claim(ocid)
        release_append(actor=None, ocid=ocid, tags=["tender"], sections=tender_sections(_doc("doc-1", "Design")))
    with time_machine.travel(datetime(2026, 7, 1, tzinfo=UTC), tick=False):
        assert main(["disclose-expired"]) == 0
    out = capsys.readouterr().out
    assert "1 expired claim(s) disclosed" in out
    assert Release.objects.filter(ocid=ocid).count() == 2
