"""The contract's releases carry the project's risk register as the PPP profile's riskAllocation: our categories
and shares mapped to the profile's codelists by domain.risks, valid against the profile's schema."""

from __future__ import annotations

from decimal import Decimal

from civicpact.appraisal import services as appraisal
from civicpact.appraisal.selectors import risk_register
from civicpact.contracts import services
from civicpact.ledger.models import Release
from tests.contracts.test_contracts import legacy_terms, package_errors, parking_project  # noqa: F401

RISKS = (
    ("vendor_lock_in", "Sensor platform lock-in", 0.3, "The city owns the data and the interfaces are open."),
    ("availability_performance", "Sensors down", 1.0, "Paid on availability."),
    ("cyber_security", "Payment fraud", 0.5, "Both parties run part of the payment chain."),
    ("political", "Parking policy change", 0.0, "Council policy."),
)


def add_risks(actor, project):
    for category, title, share, reason in RISKS:
        appraisal.risk_save(
            actor=actor,
            project_id=project.pk,
            expected_version=risk_register(project=project).version,
            category=category,
            title=title,
            description="",
            probability=0.1,
            cost_min=Decimal(0),
            cost_most_likely=Decimal(1000),
            cost_max=Decimal(2000),
            distribution="triangular",
            once=True,
            timing_year=1,
            first_year=1,
            last_year=1,
            share_transferred=share,
            allocation_reason=reason,
        )


def sign_all(manager, contract, number=1):
    for party in contract.versions.get(number=number).parties:
        services.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=number,
            organisation_id=int(party["organisation"]),
            signatory_name="S",
        )


def contract_release(project, tag):
    project.refresh_from_db()  # the ocid is minted at the first release
    release = Release.objects.filter(ocid=project.ocid, tags=[tag]).latest("date")
    (contract,) = release.body["contracts"]
    return contract


def test_the_contract_release_allocates_the_registers_risks_in_the_profiles_codes(
    manager,
    officer,
    parking_project,  # noqa: F811
):
    add_risks(officer, parking_project)
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    sign_all(manager, contract)
    published = contract_release(parking_project, "contract")
    by_title = {r["description"]: r for r in published["riskAllocation"]}
    assert by_title["Sensor platform lock-in"] == {
        "id": by_title["Sensor platform lock-in"]["id"],
        "category": "earlyTermination",
        "description": "Sensor platform lock-in",
        "allocation": "publicAuthority",
        "notes": "Shared: 30% private party, 70% public authority. Register category: Vendor lock in. "
        "The city owns the data and the interfaces are open.",
    }
    assert (by_title["Sensors down"]["category"], by_title["Sensors down"]["allocation"]) == (
        "availabilityAndQuality",
        "privateParty",
    )
    assert by_title["Payment fraud"]["allocation"] == "undefined"
    assert by_title["Payment fraud"]["notes"].startswith("Shared: 50% private party, 50% public authority.")
    assert (by_title["Parking policy change"]["category"], by_title["Parking policy change"]["allocation"]) == (
        "changeInLaw",
        "publicAuthority",
    )
    assert all(r["id"].startswith("risk-") for r in published["riskAllocation"])
    assert package_errors(parking_project.ocid) == []


def test_an_amendment_publishes_the_register_as_it_stands(manager, officer, parking_project):  # noqa: F811
    add_risks(officer, parking_project)
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    sign_all(manager, contract)
    appraisal.risk_add_from_library(
        actor=officer,
        project_id=parking_project.pk,
        expected_version=risk_register(project=parking_project).version,
        category="force_majeure",
    )
    services.contract_amend(
        actor=manager,
        contract_id=contract.pk,
        expected_version=1,
        rationale="correction",
        details="Value corrected.",
        value=Decimal("6300000"),
    )
    sign_all(manager, contract, number=2)
    amended = contract_release(parking_project, "contractAmendment")
    assert len(amended["riskAllocation"]) == len(RISKS) + 1
    assert "forceMajeure" in {r["category"] for r in amended["riskAllocation"]}
    assert package_errors(parking_project.ocid) == []


def test_a_contract_without_risks_publishes_no_empty_risk_allocation(manager, parking_project):  # noqa: F811
    contract = services.contract_create(actor=manager, project_id=parking_project.pk, **legacy_terms())
    sign_all(manager, contract)
    assert "riskAllocation" not in contract_release(parking_project, "contract")
    assert package_errors(parking_project.ocid) == []
