"""Contracts: the award drafts one; signatures per party after the standstill bring it into force and publish
it; amendments are new versions with a rationale from a fixed list; PPPs signed before CivicPact are entered
directly; partners see only their own."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicpact.contracts import services
from civicpact.contracts.models import Contract
from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_package_build
from civicpact.ledger.validation import release_package_errors
from civicpact.tendering import evaluation
from civicpact.transparency.compiled import record_get
from tests.tendering.test_evaluation_flow import bids, score_all


def compiled(ocid: str) -> dict[str, Any]:
    """The process's compiled release, as the portal and the API serve it."""
    found = record_get(ocid=ocid)
    assert found is not None
    result: dict[str, Any] = found["compiledRelease"]
    return result


@pytest.fixture
def awarded(opened, committee, officer):
    score_all(committee, opened)
    for bid in bids(opened).values():
        evaluation.eligibility_set(actor=officer, tender_id=opened.pk, bid_id=bid.pk, eligible=True, note="")
    return evaluation.award_decide(actor=officer, tender_id=opened.pk, reasons="Best quality for the price.")


def org_of(user):
    return user.memberships.first().organisation


def package_errors(ocid):
    releases = list(Release.objects.filter(ocid=ocid))
    return release_package_errors(release_package_build(releases=releases, uri="https://example.org/p.json"))


def test_the_award_drafts_the_contract_with_the_winner_and_the_awarded_price(awarded):
    contract = Contract.objects.get(award=awarded)
    version = contract.latest
    assert contract.status == "draft"
    assert version.value == Decimal("14500000.00")
    assert [(p["name"], p["role"]) for p in version.parties] == [
        ("Energy and Street Lighting", "city"),
        ("Lumen Grid", "partner"),
    ]
    assert version.start_date == timezone.localdate(awarded.standstill_end) + timedelta(days=1)
    assert version.end_date > version.start_date
    assert version.rationale == "initial"


def test_signatures_wait_for_the_standstill_then_bring_the_contract_into_force_and_publish_it(
    awarded, officer, supplier, second_supplier, manager
):
    contract = Contract.objects.get(award=awarded)
    city, partner = (int(p["organisation"]) for p in contract.latest.parties)
    with pytest.raises(services.ContractError, match="standstill"):
        services.contract_sign(
            actor=supplier, contract_id=contract.pk, number=1, organisation_id=partner, signatory_name="Inês Carvalho"
        )
    with time_machine.travel(awarded.standstill_end + timedelta(minutes=1)):
        with pytest.raises(PermissionDenied):
            services.contract_sign(
                actor=supplier, contract_id=contract.pk, number=1, organisation_id=city, signatory_name="Not me"
            )
        with pytest.raises(PermissionDenied):
            services.contract_sign(
                actor=second_supplier, contract_id=contract.pk, number=1, organisation_id=partner, signatory_name="X"
            )
        services.contract_sign(
            actor=supplier, contract_id=contract.pk, number=1, organisation_id=partner, signatory_name="Inês Carvalho"
        )
        with pytest.raises(services.ContractError, match="already signed"):
            services.contract_sign(
                actor=manager, contract_id=contract.pk, number=1, organisation_id=partner, signatory_name="Again"
            )
        contract.refresh_from_db()
        assert (contract.status, contract.in_force) == ("draft", None)
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=1,
            organisation_id=city,
            signatory_name="Mayor of Port Aurelia",
            signatory_title="Mayor",
        )
    contract.refresh_from_db()
    assert (contract.status, contract.in_force) == ("active", 1)
    release = Release.objects.filter(ocid=contract.project.ocid).latest("date")
    assert release.tags == ["contract", "awardUpdate"]
    assert release.body["awards"] == [{"id": f"award-{awarded.pk}", "status": "active"}]
    [published] = release.body["contracts"]
    assert published["awardID"] == f"award-{awarded.pk}"
    assert published["status"] == "active"
    assert {s["name"] for s in published["signatories"]} == {"Energy and Street Lighting", "Lumen Grid"}
    roles = {p["name"]: p["roles"] for p in release.body["parties"]}
    assert roles["Lumen Grid"] == ["payee", "privateParty", "supplier", "tenderer"]  # tenderer since the award
    assert package_errors(contract.project.ocid) == []


def test_an_upheld_complaint_voids_the_draft_contract(awarded, officer, second_supplier):
    complaint = evaluation.complaint_lodge(
        actor=second_supplier, tender_id=awarded.tender_id, grounds="Scores unjustified.", evidence="", remedy="Redo."
    )
    evaluation.complaint_decide(actor=officer, complaint_id=complaint.pk, upheld=True, decision="Upheld.")
    contract = Contract.objects.get(award=awarded)
    assert contract.status == "void"
    with pytest.raises(services.ContractError, match="void"):
        services.contract_sign(
            actor=officer,
            contract_id=contract.pk,
            number=1,
            organisation_id=int(contract.latest.parties[0]["organisation"]),
            signatory_name="Nobody",
        )


# --- entered directly --------------------------------------------------------------------------------------------


def legacy_terms(**change):
    from civicpact.accounts.models import Organisation

    city = Organisation.objects.get(name="Transport and Mobility")
    partner = Organisation.objects.get(name="MetroPark Systems")
    terms = {
        "title": "Smart parking concession (2021)",
        "description": "Sensors and payment for 4,000 on-street spaces.",
        "value": Decimal("6200000"),
        "start_date": date(2021, 4, 1),
        "end_date": date(2031, 3, 31),
        "partnership_model": "concession_bot",
        "payment_mechanisms": ["revenue_share"],
        "parties": [{"organisation": city.pk, "role": "city"}, {"organisation": partner.pk, "role": "partner"}],
    }
    terms.update(change)
    return terms


@pytest.fixture
def parking_project(city):
    from civicpact.pipeline.models import Project

    return Project.objects.get(title__icontains="parking")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"end_date": date(2020, 1, 1)}, "end_date", "must end after it starts"),
        ({"parties": []}, "parties", "exactly one city party"),
        ({"payment_mechanisms": ["barter"]}, "payment_mechanisms", "at least one payment mechanism"),
        ({"partnership_model": "franchise"}, "partnership_model", "Choose the partnership model"),
        ({"parties": [{"organisation": 999_999, "role": "city"}]}, "parties[0]", "No organisation has the id"),
    ],
)
def test_a_bad_contract_is_refused_naming_the_field_and_nothing_is_saved(
    manager, parking_project, change, field, words
):
    terms = legacy_terms(**change)
    with pytest.raises(ValidationError) as caught:
        services.contract_create(actor=manager, project_id=parking_project.pk, **terms)
    assert words in " ".join(caught.value.message_dict[field])
    assert not Contract.objects.exists()


def test_a_contract_entered_directly_comes_into_force_with_its_recorded_signatures_and_an_award(
    manager, supplier, parking_project
):
    with pytest.raises(PermissionDenied):
        services.contract_create(actor=supplier, project_id=parking_project.pk, **legacy_terms())
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    signed = timezone.make_aware(datetime(2021, 3, 15, 11, 0))
    for party in contract.latest.parties:
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=1,
            organisation_id=int(party["organisation"]),
            signatory_name=f"For {party['name']}",
            signed_at=signed,
        )
    contract.refresh_from_db()
    assert contract.status == "active"
    release = Release.objects.filter(ocid=contract.project.ocid).latest("date")
    assert release.body["contracts"][0]["dateSigned"].startswith("2021-03-15")
    assert release.body["awards"][0]["id"] == f"award-direct-{contract.pk}"
    assert package_errors(contract.project.ocid) == []
    with pytest.raises(ValidationError, match="future"):
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=1,
            organisation_id=1,
            signatory_name="x",
            signed_at=timezone.now() + timedelta(days=1),
        )


def test_an_amendment_is_a_new_version_in_force_only_once_signed_and_the_old_one_stays(manager, parking_project):
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    for party in contract.latest.parties:
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=1,
            organisation_id=int(party["organisation"]),
            signatory_name="S",
        )
    with pytest.raises(ValidationError, match="Choose the rationale from the list"):
        services.contract_amend(
            actor=manager, contract_id=contract.pk, expected_version=1, rationale="initial", details="x", value=1
        )
    with pytest.raises(ValidationError, match="Nothing changed"):
        services.contract_amend(
            actor=manager, contract_id=contract.pk, expected_version=1, rationale="correction", details="None."
        )
    version = services.contract_amend(
        actor=manager,
        contract_id=contract.pk,
        expected_version=1,
        rationale="time_extension",
        details="Two more years while the new tender runs.",
        end_date=date(2033, 3, 31),
    )
    assert (version.number, version.changes) == (2, ["end"])
    with pytest.raises(services.StaleContract):
        services.contract_amend(
            actor=manager, contract_id=contract.pk, expected_version=1, rationale="correction", details="x", value=5
        )
    contract.refresh_from_db()
    assert (contract.in_force, contract.version) == (1, 2)
    assert contract.current.end_date == date(2031, 3, 31)  # still in force until every party signs v2
    with pytest.raises(services.ContractError, match="Only the latest version"):
        services.contract_sign(
            actor=manager, contract_id=contract.pk, number=1, organisation_id=1, signatory_name="Late"
        )
    for party in version.parties:
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=2,
            organisation_id=int(party["organisation"]),
            signatory_name="S",
        )
    contract.refresh_from_db()
    assert contract.in_force == 2
    release = Release.objects.filter(ocid=contract.project.ocid).latest("date")
    assert release.tags == ["contractAmendment"]
    assert release.body["contracts"][0]["amendments"][0]["rationale"].startswith("Extension or change of the term")
    assert package_errors(contract.project.ocid) == []


# --- who sees what -----------------------------------------------------------------------------------------------


def test_a_partner_sees_only_its_own_contracts_and_city_staff_all(
    client_for, citizen, awarded, supplier, second_supplier, auditor, lead
):
    contract = Contract.objects.get(award=awarded)
    url = f"/contracts/{contract.pk}/"
    assert citizen.get(url).status_code == 302  # to the sign-in page
    assert client_for(supplier).get(url).status_code == 200
    assert client_for(second_supplier).get(url).status_code == 404
    assert client_for(second_supplier).get("/api/v1/contracts/contracts").json() == []
    assert [c["id"] for c in client_for(supplier).get("/api/v1/contracts/contracts").json()] == [contract.pk]
    for staff in (auditor, lead):
        assert client_for(staff).get(url).status_code == 200
    assert client_for(supplier).get("/contracts/new/").status_code == 403
    assert client_for(auditor).get(f"/contracts/{contract.pk}/amend/").status_code == 403


# --- API and pages -----------------------------------------------------------------------------------------------


def test_the_api_enters_amends_and_signs_with_the_same_refusals(client_for, manager, supplier, parking_project):
    api = "/api/v1/contracts/contracts"
    body = {**legacy_terms(), "project_id": parking_project.pk}
    body = {
        k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v) for k, v in body.items()
    }
    assert client_for(supplier).post(api, body, content_type="application/json").status_code == 403
    bad = client_for(manager).post(api, {**body, "end_date": "2020-01-01"}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "end_date"
    created = client_for(manager).post(api, body, content_type="application/json")
    assert created.status_code == 201
    contract = created.json()
    for party in contract["latest"]["parties"]:
        signed = client_for(manager).post(
            f"{api}/{contract['id']}/signatures",
            {"version": 1, "organisation": party["organisation"], "signatory_name": "S"},
            content_type="application/json",
        )
        assert signed.status_code == 201
    amended = client_for(manager).post(
        f"{api}/{contract['id']}/versions",
        {"version": 1, "rationale": "price_change", "details": "New tariff.", "value": "6500000"},
        content_type="application/json",
    )
    assert amended.status_code == 201
    assert amended.json()["changes"] == ["value"]
    stale = client_for(manager).post(
        f"{api}/{contract['id']}/versions",
        {"version": 1, "rationale": "correction", "details": "x", "value": "1"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    versions = client_for(manager).get(f"{api}/{contract['id']}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert len(versions[0]["signatures"]) == 2


def test_the_partner_signs_in_the_browser_form_after_the_standstill(client_for, awarded, supplier):
    contract = Contract.objects.get(award=awarded)
    page = client_for(supplier).get(f"/contracts/{contract.pk}/").content.decode()
    assert "The contract may not be signed yet" in page
    partner = int(contract.latest.parties[1]["organisation"])
    assert "Sign version 1 for Lumen Grid" in page
    assert "Sign version 1 for Energy and Street Lighting" not in page  # not theirs to sign
    with time_machine.travel(awarded.standstill_end + timedelta(minutes=1)):
        response = client_for(supplier).post(
            f"/contracts/{contract.pk}/sign/",
            {f"p{partner}-organisation": partner, f"p{partner}-signatory_name": "Inês Carvalho"},
            follow=True,
        )
    assert "the other parties must sign too" in response.content.decode()
    assert contract.latest.signatures.get().signatory_name == "Inês Carvalho"


def test_the_award_published_pending_is_active_in_the_record_once_its_contract_is_in_force(awarded, supplier, manager):
    contract = Contract.objects.get(award=awarded)
    ocid = contract.project.ocid
    [award] = compiled(ocid)["awards"]
    assert award["status"] == "pending"
    city, partner = (int(p["organisation"]) for p in contract.latest.parties)
    with time_machine.travel(awarded.standstill_end + timedelta(minutes=1)):
        services.contract_sign(
            actor=supplier, contract_id=contract.pk, number=1, organisation_id=partner, signatory_name="Inês Carvalho"
        )
        services.contract_sign(
            actor=manager, contract_id=contract.pk, number=1, organisation_id=city, signatory_name="Mayor"
        )
    [award] = compiled(ocid)["awards"]
    assert (award["status"], award["description"]) == ("active", "Best quality for the price.")
    assert package_errors(ocid) == []
