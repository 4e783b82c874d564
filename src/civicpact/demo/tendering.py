"""Demo tendering: a flood early-warning challenge taken through screening, model, route, risks and terms to its
structuring gate, published as a challenge-based call, with a sealed bid and an answered question."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from civicpact.accounts.models import Organisation, User
from civicpact.appraisal import services as appraisal
from civicpact.appraisal.models import RiskRegister
from civicpact.pipeline import services as pipeline
from civicpact.pipeline.models import Need, Project
from civicpact.tendering import services as tendering
from civicpact.tendering.models import Tender

FLOOD_NEED = "Warn residents of river floods an hour earlier"
FLOOD_PROJECT = "Flood early warning challenge"
FLOOD_TENDER = "Challenge: an hour's more warning of river floods"

SCREENING = {
    "public_need_clear": 4,
    "private_interest": 3,
    "value_over_traditional": 3,
    "scope_defined": 2,
    "expertise_gap": 4,
    "capital_constraint": 2,
    "innovation_speed": 4,
    "risk_transfer": 3,
    "operational_efficiency": 3,
    "commodity_need": False,
    "lifecycle_years": 6,
}
CONSIDERATIONS = {
    "capabilities_needed": 4,
    "risk_transfer_wanted": 2,
    "public_funding_available": 3,
    "duration_years": 6,
    "governance_complexity_acceptable": 1,
    "control_vs_flexibility": 2,
    "risk_transfer_vs_cost": 2,
    "innovation_vs_predictability": 3,
    "speed_vs_thoroughness": 2,
    "data_centric": True,
}
FACTS = {
    "solution_on_market": 2,
    "need_can_be_specified": 1,
    "outcome_defined_not_spec": True,
    "needs_real_world_testing": True,
    "dialogue_needed": False,
    "many_capable_suppliers": 3,
    "unsolicited_proposal_received": False,
    "grant_funded": False,
    "sole_source_justification": None,
    "estimated_value": "1800000",
}
TERMS = {
    "payment_mechanisms": ["availability", "milestone"],
    "indexation": "CPI annually",
    "penalties": "Availability deductions",
    "kpis": ["warning lead time", "sensor availability"],
    "governance_bodies": ["Steering board"],
    "reporting_cadence": "monthly",
    "escalation_ladder": ["steering board", "mediation"],
    "change_threshold_amount": "25000",
    "dispute_resolution": "Expert determination",
    "data_ownership": "city",
    "data_licence": "Open data licence for the measurements",
    "privacy_impact_assessment": True,
    "personal_data_processed": False,
    "ip_new_developments": "city",
    "interoperability_open_standards": True,
    "audit_rights": True,
    "term_years": 6,
    "technology_refresh_clause": True,
    "exit_plan": True,
    "hand_back_conditions": "Sensors and data in working order",
    "deduction_cap_percent": "20",
}
CRITERIA: list[dict[str, Any]] = [
    {
        "key": "solution",
        "name": "The solution",
        "weight": 70,
        "children": [
            {"key": "solution.lead_time", "name": "Evidence of the warning lead time", "weight": 50, "threshold": 5},
            {"key": "solution.resilience", "name": "Resilience in a storm", "weight": 30},
            {"key": "solution.open_data", "name": "Open data and standards", "weight": 20},
        ],
    },
    {"key": "price", "name": "Price", "weight": 30, "is_price": True},
]


def seed_flood_challenge() -> None:
    """Idempotent: does nothing once the demo tender exists."""
    if Tender.objects.filter(title=FLOOD_TENDER).exists():
        return
    officer = User.objects.get(username="officer")
    environment = Organisation.objects.get(name="Environment and Climate")
    need = Need.objects.filter(title=FLOOD_NEED).first() or pipeline.need_create(
        actor=officer,
        department=environment,
        title=FLOOD_NEED,
        problem_statement="River gauges report hourly; the last flood reached the harbour streets before any warning.",
        outcomes_sought="Residents warned at least an hour before water reaches a street, with open data on levels.",
        kpis=["warning lead time", "false alarms"],
        indicative_budget=Decimal(1_800_000),
        first_year=2027,
        last_year=2033,
        location="river corridor and harbour district",
        assets=["river gauges"],
        sdgs=[11, 13],
        tags=["flood", "challenge"],
    )
    project = Project.objects.filter(title=FLOOD_PROJECT).first() or pipeline.project_create(
        actor=officer,
        title=FLOOD_PROJECT,
        summary="A challenge-based call: the outcome is set, the solution is the bidders'.",
        lead_department=environment,
        need_ids=[need.pk],
        budget_shares={environment.pk: Decimal(1_800_000)},
        planned_procurement_year=2027,
        planned_start_year=2027,
        duration_years=6,
    )
    structure(officer, project, FLOOD_STRUCTURING)
    _tender(officer, project)


@dataclass(frozen=True)
class Structuring:
    """What takes a project from its idea through screening, model, route, risks and terms to the structuring
    gate: the answers and the reasons, recorded through the appraisal services."""

    screening: dict[str, Any]
    considerations: dict[str, Any]
    model: str
    model_reason: str
    facts: dict[str, Any]
    route: str
    route_reason: str
    risk_categories: tuple[str, ...]
    terms: dict[str, Any]
    gate_reasons: tuple[str, str, str]  # the idea gate, the opportunity gate, the structuring gate


FLOOD_STRUCTURING = Structuring(
    screening=SCREENING,
    considerations=CONSIDERATIONS,
    model="managed_services",
    model_reason="The city keeps the river data; the partner runs the sensing and warning service.",
    facts=FACTS,
    route="challenge_based",
    route_reason="The outcome is clear and the solution is not: publish the problem and score the solutions.",
    risk_categories=("force_majeure",),
    terms=TERMS,
    gate_reasons=(
        "A clear public need with a measurable outcome.",
        "Screened: innovation speed and expertise gaps favour a PPP.",
        "Model, route, risks and terms are in place.",
    ),
)


def _gate(officer: User, project: Project, stage: str, reasons: str) -> None:
    project.refresh_from_db()
    if project.stage == stage:
        pipeline.gate_decide(
            actor=officer, project_id=project.pk, decision="approve", expected_stage=stage, reasons=reasons
        )


def structure(
    officer: User, project: Project, plan: Structuring, before_gate: Callable[[Project], None] | None = None
) -> None:
    """Take the project to its structuring gate and through it; each step only if it is not recorded yet.
    `before_gate` records what else the project has before that gate (e.g. its business case)."""
    idea, opportunity, structuring = plan.gate_reasons
    _gate(officer, project, "idea", idea)
    if not project.screenings.exists():
        appraisal.screening_record(actor=officer, project_id=project.pk, answers=plan.screening)
    _gate(officer, project, "opportunity_assessment", opportunity)
    if not project.model_choices.exists():
        appraisal.model_choose(
            actor=officer,
            project_id=project.pk,
            considerations=plan.considerations,
            chosen_model=plan.model,
            reason=plan.model_reason,
        )
    if not project.route_choices.exists():
        appraisal.route_choose(
            actor=officer,
            project_id=project.pk,
            facts=plan.facts,
            chosen_route=plan.route,
            sole_source_justification="",
            reason=plan.route_reason,
        )
    register = RiskRegister.objects.get_or_create(project=project)[0]
    if not register.risks.exists():
        for category in plan.risk_categories:
            register.refresh_from_db()
            appraisal.risk_add_from_library(
                actor=officer, project_id=project.pk, expected_version=register.version, category=category
            )
    if not project.term_sheets.exists():
        appraisal.terms_save(actor=officer, project_id=project.pk, terms=plan.terms, expected_version=0)
    if before_gate is not None:
        before_gate(project)
    _gate(officer, project, "structuring", structuring)


def _tender(officer: User, project: Project) -> None:
    now = timezone.now()
    deadline = now + timedelta(days=28)
    tender = tendering.tender_create(
        actor=officer,
        project_id=project.pk,
        title=FLOOD_TENDER,
        description="Give the harbour district an hour's more warning of river floods, for six years, with open "
        "data on water levels. Any technology; paid on availability and on measured lead time.",
        requirements="Outcome: a warning at least 60 minutes before water reaches any street in the flood map, in "
        "at least 9 of 10 events; false alarms under 2 a year; levels published as open data every 5 minutes.",
        value_estimate=Decimal(1_800_000),
        criteria=CRITERIA,
        price_formula="lowest_relative",
        eligibility=["Registered supplier", "No unpaid taxes or social contributions"],
        publication_date=now,
        clarification_deadline=deadline - timedelta(days=7),
        submission_deadline=deadline,
        opening_date=deadline,
        evaluation_end=deadline + timedelta(days=21),
        standstill_end=deadline + timedelta(days=35),
    )
    tender = tendering.tender_publish(actor=officer, tender_id=tender.pk, expected_version=tender.version)
    supplier = User.objects.get(username="supplier")
    question = tendering.clarification_ask(
        actor=supplier, tender_id=tender.pk, question="May sensors be mounted on the city's street-lighting poles?"
    )
    tendering.clarification_answer(
        actor=officer,
        clarification_id=question.pk,
        answer="Yes, where a pole stands within 50 m of the river; the lighting contract will allow it.",
    )
    tendering.bid_submit(
        actor=supplier,
        tender_id=tender.pk,
        payload={
            "price": "1650000",
            "answers": {
                "solution.lead_time": "Radar level sensors every 400 m and a hydraulic model: 75 minutes in tests.",
                "solution.resilience": "Solar and battery, LoRaWAN with cellular fallback, IP68.",
                "solution.open_data": "OGC SensorThings API, CC-BY data every minute.",
            },
            "consortium": [],
        },
    )
