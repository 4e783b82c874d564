"""Demo governance on the harbour district's street-lighting PPP (demo/performance.py): an executive steering
committee that has met twice (minutes and decisions), a dispute over the storm month's deductions escalated from
the operational level to the steering committee and discussed there, and the exit and hand-back plan started with
its first item submitted by the partner. Created through the real services; idempotent (nothing happens once the
steering committee exists)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from civicpact.accounts.models import User
from civicpact.contracts import governance
from civicpact.contracts.models import Contract, GovernanceBody
from civicpact.demo.performance import CONTRACT_TITLE

STEERING = "Harbour lighting executive steering committee"
MEMBERS = [
    {"name": "Helena Duarte", "organisation": "Energy and Street Lighting (chair)"},
    {"name": "Marco Manager", "organisation": "Energy and Street Lighting"},
    {"name": "Inês Carvalho", "organisation": "Lumen Grid"},
    {"name": "Sam Supplier", "organisation": "Lumen Grid"},
]


def seed_governance() -> None:
    contract = Contract.objects.filter(versions__title=CONTRACT_TITLE).first()
    if contract is None or GovernanceBody.objects.filter(contract=contract, name=STEERING).exists():
        return
    manager = User.objects.get(username="manager")
    supplier = User.objects.get(username="supplier")
    today = timezone.localdate()
    body = governance.body_create(
        actor=manager,
        contract_id=contract.pk,
        kind="executive_steering",
        name=STEERING,
        cadence="quarterly",
        members=MEMBERS,
        established=contract.latest.start_date,
    )
    first = governance.meeting_create(
        actor=manager,
        body_id=body.pk,
        date=today - timedelta(days=95),
        held=True,
        agenda="Quarterly performance review; storm preparedness.",
        minutes="Availability at 99.4% over the quarter. The partner presented its storm response plan; the city "
        "asked for spare columns to be stocked at the harbour depot.",
        attendees=["Helena Duarte", "Marco Manager", "Inês Carvalho"],
    )
    spares = governance.decision_add(
        actor=manager,
        meeting_id=first.pk,
        text="Stock 40 spare columns and 200 LED lanterns at the harbour depot before the winter.",
        owner="Lumen Grid (Inês Carvalho)",
        due_date=today - timedelta(days=30),
    )
    governance.decision_add(
        actor=manager,
        meeting_id=first.pk,
        text="Publish the monthly availability figures on the city's open-data portal.",
        owner="Energy and Street Lighting (Marco Manager)",
        due_date=today + timedelta(days=20),
    )
    governance.decision_update(actor=manager, decision_id=spares.pk, expected_version=spares.version, status="done")
    dispute = governance.dispute_raise(
        actor=supplier,
        contract_id=contract.pk,
        subject="Storm month deductions: relief event",
        description="The storm that darkened most of the district for eight days was force majeure under clause "
        "19; its outages should be relief events, not failures, and the month's deductions withdrawn.",
        amount="48000.00",
        clause="Clause 19 (relief events); schedule 6, paragraph 4",
    )
    governance.dispute_record_failure(
        actor=manager,
        dispute_id=dispute.pk,
        expected_version=dispute.version,
        note="The contract managers could not agree whether the storm meets the force-majeure threshold.",
    )
    dispute = governance.dispute_escalate(
        actor=supplier,
        dispute_id=dispute.pk,
        expected_version=dispute.version + 1,
        reason="Failure to agree at the operational level.",
    )
    second = governance.meeting_create(
        actor=manager,
        body_id=body.pk,
        date=today,
        held=True,
        agenda="The storm month dispute; the exit plan's first steps.",
        minutes="The committee heard both parties on the storm month. It asked for the weather service's wind "
        "records before deciding, and agreed to start the exit and hand-back plan early.",
        attendees=["Helena Duarte", "Marco Manager", "Inês Carvalho", "Sam Supplier"],
    )
    governance.decision_add(
        actor=manager,
        meeting_id=second.pk,
        text="Obtain the weather service's wind records for the storm and share them with both parties.",
        owner="Energy and Street Lighting (Marco Manager)",
        due_date=today + timedelta(days=14),
    )
    governance.dispute_discuss(
        actor=manager,
        dispute_id=dispute.pk,
        expected_version=dispute.version,
        meeting_id=second.pk,
        note="Heard both parties; the decision waits for the wind records.",
    )
    plan = governance.exit_plan_start(
        actor=manager,
        contract_id=contract.pk,
        summary="Hand back the lighting network, its data and the know-how at the end of the term, or to the next "
        "provider.",
    )
    data = plan.items.get(category="data")
    governance.exit_item_update(
        actor=supplier,
        item_id=data.pk,
        expected_version=data.version,
        status="submitted",
        evidence="Asset register and fault history exported as CSV and GeoJSON, with a data dictionary.",
    )
