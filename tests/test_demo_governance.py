"""The demo's governance on the harbour street-lighting contract: a steering committee that met twice, a dispute
escalated to it, an exit plan started; seeding again duplicates nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from civicpact.accounts.models import Organisation, User
from civicpact.contracts import services
from civicpact.contracts.models import Decision, Dispute, DisputeStep, ExitItem, GovernanceBody, Meeting
from civicpact.demo.governance import STEERING, seed_governance
from civicpact.demo.performance import CONTRACT_TITLE
from tests.contracts.test_contracts import parking_project  # noqa: F401


def harbour_contract(project):
    """The demo's street-lighting contract, without its telemetry (demo/performance.py adds ~10 s of it)."""
    manager = User.objects.get(username="manager")
    city = Organisation.objects.get(name="Energy and Street Lighting")
    partner = Organisation.objects.get(name="Lumen Grid")
    contract = services.contract_create(
        actor=manager,
        project_id=project.pk,
        parties=[{"organisation": city.pk, "role": "city"}, {"organisation": partner.pk, "role": "partner"}],
        title=CONTRACT_TITLE,
        value=Decimal(24_000_000),
        start_date=date(2024, 4, 1),
        end_date=date(2034, 3, 31),
        partnership_model="managed_services",
        payment_mechanisms=["availability"],
    )
    for organisation in (city, partner):
        services.contract_sign(
            actor=manager, contract_id=contract.pk, number=1, organisation_id=organisation.pk, signatory_name="S"
        )
    return contract


def test_the_demo_governance_is_seeded_once(parking_project):  # noqa: F811
    contract = harbour_contract(parking_project)
    seed_governance()
    body = GovernanceBody.objects.get(contract=contract, name=STEERING)
    meetings = list(Meeting.objects.filter(body=body))
    assert len(meetings) == 2
    assert all(m.held and m.minutes for m in meetings)
    assert Decision.objects.filter(meeting__body=body).count() == 3
    dispute = Dispute.objects.get(contract=contract)
    assert (dispute.level, dispute.status) == ("steering_committee", "open")
    kinds = list(DisputeStep.objects.filter(dispute=dispute).values_list("kind", flat=True))
    assert kinds == ["raised", "failed_to_agree", "escalated", "discussed"]
    assert ExitItem.objects.filter(plan__contract=contract, status="submitted").count() == 1
    before = [m.objects.count() for m in (GovernanceBody, Meeting, Decision, Dispute, DisputeStep, ExitItem)]
    seed_governance()
    assert [m.objects.count() for m in (GovernanceBody, Meeting, Decision, Dispute, DisputeStep, ExitItem)] == before


def test_the_demo_governance_pages_render_for_the_manager_and_the_partner(parking_project, client_for):  # noqa: F811
    contract = harbour_contract(parking_project)
    seed_governance()
    base = f"/contracts/{contract.pk}/governance/"
    pages = [base, f"{base}disputes/1/", f"{base}exit-plan/"]
    pages += [f"{base}meetings/{m.pk}/" for m in Meeting.objects.filter(body__contract=contract)]
    for username in ("manager", "supplier"):
        client = client_for(User.objects.get(username=username))
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (username, page)
    assert "Discussed at a governance meeting" in client.get(f"{base}disputes/1/").content.decode()
