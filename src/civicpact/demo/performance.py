"""Demo performance: the harbour district's street-lighting PPP (procured in the demo's history, demo/harbour.py),
2,000 lights, its mobilisation milestones met, three months of generated telemetry ingested through the real
ingest, and their payment statements.

The telemetry is a feed of status changes (every light on at the start, then each outage as a down and an up),
seeded so that the months show: outages fixed within the four-hour rectification period (no deduction), others
beyond it, a degraded light ("unavailable but used"), a light that fails three times in a month (the ratchet),
and a storm month whose deductions hit the 20% cap. The first two months' statements are issued (the partner
disputes a line of the first); the last is a draft.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from civicpact.accounts.models import Organisation, User
from civicpact.appraisal import selectors as appraisal_selectors
from civicpact.appraisal import services as appraisal
from civicpact.contracts import services as contracts
from civicpact.contracts.models import Contract
from civicpact.domain.risks import RiskCategory, library_risk
from civicpact.performance import ingest, services
from civicpact.performance.models import Statement
from civicpact.pipeline import services as pipeline

CONTRACT_TITLE = "Harbour district street lighting service"
LIGHTS = 2_000
REGIME = """
format: 1
currency: EUR
unitary_charge:
  annual: "2400000.00"
measurement:
  interval_minutes: 15
  timezone: {tz}
  missing_data: unavailable
availability:
  target_percent: "99.0"
  rectification_minutes: 240
  ubu_factor: "0.5"
  ratchet: ["1.0", "1.5", "2.0"]
  mode: share
asset_classes:
  - key: streetlight
    name: Street light
    weighting: "100"
    service_hours:
      - days: [mon, tue, wed, thu, fri, sat, sun]
        from: "00:00"
        to: "24:00"
bonus:
  threshold_percent: "99.9"
  percent: "1.0"
cap_percent: "20"
"""


def _months(today: date) -> list[date]:
    """The first days of the three full months before this one."""
    first = today.replace(day=1)
    months = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return sorted(months)


def _changes(months: list[date], zone: ZoneInfo) -> list[dict[str, str]]:
    rng = random.Random(20261125)  # noqa: S311  (demo data, not secrets)
    start = datetime.combine(months[0], datetime.min.time(), tzinfo=zone)
    rows = [{"asset": f"SL-{n:05d}", "timestamp": start.isoformat(), "status": "up"} for n in range(1, LIGHTS + 1)]

    def outage(asset: str, begin: datetime, quarters: int, status: str = "down") -> None:
        rows.append({"asset": asset, "timestamp": begin.isoformat(), "status": status})
        rows.append(
            {"asset": asset, "timestamp": (begin + timedelta(minutes=15 * quarters)).isoformat(), "status": "up"}
        )

    for index, month in enumerate(months):
        first = datetime.combine(month, datetime.min.time(), tzinfo=zone)
        for n in rng.sample(range(1, LIGHTS + 1), 120):  # everyday faults: most fixed within 4 hours
            begin = first + timedelta(days=rng.randint(1, 26), hours=rng.randint(0, 20))
            outage(f"SL-{n:05d}", begin, rng.choice((4, 8, 12, 16, 16, 24, 40, 96)))
        outage("SL-00042", first + timedelta(days=3, hours=18), 30, status="degraded")  # dim but lit
        for day in (5, 12, 19):  # one light failing again and again: the ratchet
            outage("SL-00007", first + timedelta(days=day, hours=22), 24)
        if index == 1:  # the storm: most of the district dark for eight days, the month hits the cap
            for n in range(1, 1_901):
                outage(f"SL-{n:05d}", first + timedelta(days=14, hours=2), 8 * 96)
    unique = {(r["asset"], r["timestamp"]): r for r in reversed(rows)}  # two faults drawn at one moment: keep one
    return sorted(unique.values(), key=lambda r: (r["asset"], r["timestamp"]))


def seed_streetlight_contract() -> None:
    """The present-day part: the lights, the mobilisation milestones met, three months of telemetry and their
    statements. The contract is the one procured in the demo's history (demo/harbour.py); without the history (the
    tests' `city` fixture) it is entered directly, as signed before CivicPact. Idempotent: nothing happens once the
    contract has statements."""
    contract = Contract.objects.filter(versions__title=CONTRACT_TITLE).first()
    if contract is not None and Statement.objects.filter(contract=contract).exists():
        return
    manager = User.objects.get(username="manager")
    supplier = User.objects.get(username="supplier")
    zone_name = settings.TIME_ZONE
    if contract is None:
        contract = _enter_directly(manager)
        services.regime_save(
            actor=manager,
            contract_id=contract.pk,
            expected_number=0,
            rationale="The contract's payment mechanism (schedule 6), as signed.",
            text=REGIME.format(tz=zone_name),
        )
    services.assets_import(
        actor=manager,
        contract_id=contract.pk,
        rows=[{"asset_id": f"SL-{n:05d}", "asset_class": "streetlight"} for n in range(1, LIGHTS + 1)],
    )
    _milestones_met(contract, manager, supplier)
    _telemetry_and_statements(contract, manager, supplier, ZoneInfo(zone_name))


def mobilisation_plan(contract: Contract, today: date) -> list[dict[str, Any]]:
    """The transition from the signature to service commencement, when the availability payments start (the first
    month of the demo's telemetry, relative to the real `today`: the plan is made with the clock moved back)."""
    start = contract.latest.start_date
    commencement = _months(today)[0]
    return [
        {
            "kind": "mobilisation",
            "title": f"The {LIGHTS:,} lights, their poles and the spares handed over, with an inventory",
            "planned_date": start + timedelta(days=14),
        },
        {
            "kind": "system_migration",
            "title": "Every light's node reporting to the central management system",
            "planned_date": min(start + timedelta(days=35), commencement - timedelta(days=1)),
        },
        {
            "kind": "go_live",
            "title": "Service commencement: availability measured and paid from this day",
            "planned_date": commencement,
        },
    ]


def _milestones_met(contract: Contract, manager: User, supplier: User) -> None:
    """The partner reports each milestone due by today as met on its planned date; the city accepts it."""
    today = timezone.localdate()
    for milestone in contract.milestones.filter(actual_date__isnull=True, planned_date__lte=today):
        contracts.milestone_report(actor=supplier, milestone_id=milestone.pk, actual_date=milestone.planned_date)
        contracts.milestone_decide(
            actor=manager, milestone_id=milestone.pk, accept=True, note="Checked on site and in the system."
        )


def _enter_directly(manager: User) -> Contract:
    """The contract as signed in 2024, before CivicPact (the demo without its history)."""
    officer = User.objects.get(username="officer")
    lighting = Organisation.objects.get(name="Energy and Street Lighting")
    partner = Organisation.objects.get(name="Lumen Grid")
    need = pipeline.need_create(
        actor=officer,
        department=lighting,
        title="Keep the harbour district's 2,000 street lights on",
        problem_statement="Lights out for days after faults; no record of how long.",
        outcomes_sought="Every light lit from dusk to dawn; faults fixed within four hours.",
        indicative_budget=Decimal(24_000_000),
        first_year=2024,
        last_year=2033,
        tags=["lighting", "availability"],
    )
    project = pipeline.project_create(
        actor=officer,
        title="Harbour district street lighting",
        summary="An availability-based PPP signed in 2024, before CivicPact.",
        lead_department=lighting,
        need_ids=[need.pk],
        budget_shares={lighting.pk: Decimal(24_000_000)},
        planned_procurement_year=2024,
        planned_start_year=2024,
        duration_years=10,
    )
    seed_risks(officer, project)
    contract = contracts.contract_create(
        actor=manager,
        project_id=project.pk,
        parties=[{"organisation": lighting.pk, "role": "city"}, {"organisation": partner.pk, "role": "partner"}],
        title=CONTRACT_TITLE,
        description="Operate, maintain and renew 2,000 street lights, paid by availability.",
        value=Decimal(24_000_000),
        start_date=date(2024, 4, 1),
        end_date=date(2034, 3, 31),
        partnership_model="managed_services",
        payment_mechanisms=["availability"],
    )
    signed = datetime(2024, 3, 15, 11, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    for party, name in ((lighting, "Helena Duarte, Mayor"), (partner, "Inês Carvalho, Managing director")):
        contracts.contract_sign(
            actor=manager,
            contract_id=contract.pk,
            number=1,
            organisation_id=party.pk,
            signatory_name=name,
            signed_at=signed,
        )
    return contract


# The contract's risk allocation, as signed (published with the contract as OCDS riskAllocation).
HARBOUR_RISKS = (
    ("availability_performance", "Lights out", 1.0, "Paid on availability: each light out costs the partner."),
    (
        "technology_obsolescence",
        "LED drivers unsupported",
        0.8,
        "The partner renews; the city pays for new standards.",
    ),
    ("vendor_lock_in", "Control system lock-in", 0.3, "The city owns the data; the interfaces are open standards."),
    (
        "regulatory_change_in_law",
        "Change in lighting law",
        0.0,
        "Compensated by the city under the change-in-law clause.",
    ),
)


def seed_risks(officer: User, project: Any) -> None:
    """The project's risk register with the allocation signed (HARBOUR_RISKS)."""
    for category, title, share, reason in HARBOUR_RISKS:
        library = library_risk(RiskCategory(category))
        appraisal.risk_save(
            actor=officer,
            project_id=project.pk,
            expected_version=appraisal_selectors.risk_register(project=project).version,
            category=category,
            title=title,
            description=library.description,
            probability=0.1,
            cost_min=Decimal(10_000),
            cost_most_likely=Decimal(50_000),
            cost_max=Decimal(200_000),
            distribution="pert",
            once=False,
            timing_year=1,
            first_year=1,
            last_year=10,
            share_transferred=share,
            allocation_reason=reason,
            owner="Energy and Street Lighting",
        )


def _telemetry_and_statements(contract: Contract, manager: User, supplier: User, zone: ZoneInfo) -> None:
    months = _months(timezone.localdate())
    until = datetime.combine((months[-1] + timedelta(days=32)).replace(day=1), datetime.min.time(), tzinfo=zone)
    batch = services.batch_create(actor=supplier, contract_id=contract.pk, source="upload", filename="demo-changes")
    services.batch_run(batch.pk, ingest.ObjectSource(_changes(months, zone), name="demo"), feed="changes", until=until)
    statements: list[Any] = []
    for month in months:
        statements.append(
            services.statement_compute(actor=manager, contract_id=contract.pk, month=month.strftime("%Y-%m"))
        )
    for statement in statements[:2]:
        services.statement_issue(actor=manager, statement_id=statement.pk)
    services.dispute_raise(
        actor=supplier,
        statement_id=statements[0].pk,
        line="SL-00007",
        reason="Two of the three faults were vandalism: relief events under schedule 6, not failures.",
    )
