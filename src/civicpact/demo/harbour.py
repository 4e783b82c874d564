"""Demo history, first story: the harbour district's street-lighting PPP procured in CivicPact, so that the portal
tells it from planning to monthly performance (issue 7).

About 235 days ago the lighting department's need becomes a project, screened, structured as a managed service
paid on availability, its risks allocated and its business case and value-for-money analysis recorded before the
structuring gate (the planning release carries them). An open tender is published about 230 days ago, three bids
come in, a committee of two scores them, and the award goes to Lumen Grid; after the standstill the award's draft
contract gets the performance regime (schedule 6) and a mobilisation plan, both parties sign and it comes into
force, about 165 days ago. Everything here is over before the next story starts (demo/history.py, 140 days ago).

The present-day part (demo/performance.py: the lights, the milestones met, three months of telemetry and their
statements) follows at the real time. Without the history (the tests' `city` fixture), that part enters the
contract directly instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from civicpact.appraisal import services as appraisal
from civicpact.appraisal.models import BusinessCase
from civicpact.contracts import services as contracts
from civicpact.contracts.models import Contract
from civicpact.demo.clock import DemoClock
from civicpact.demo.history import COMMITTEE, Marks, _declare, _organisation, _project, _score, _user, timeline
from civicpact.demo.performance import CONTRACT_TITLE, LIGHTS, REGIME, mobilisation_plan, seed_risks
from civicpact.demo.tendering import FLOOD_STRUCTURING, TERMS, Structuring
from civicpact.performance import services as performance
from civicpact.pipeline.models import Project
from civicpact.tendering import evaluation, services
from civicpact.tendering.models import Tender

STARTS_DAYS_AGO = 235  # within clock.HISTORY_DAYS; the story ends about 165 days ago


def _need(year: int) -> dict[str, Any]:
    return {
        "department": "Energy and Street Lighting",
        "author": "officer",
        "title": "Keep the harbour district's 2,000 street lights on",
        "problem_statement": "Lights in the harbour district stay out for days after a fault; nobody records for "
        "how long, and the sodium lamps are at the end of their life.",
        "outcomes_sought": "Every light lit from dusk to dawn; faults fixed within four hours; the city told of "
        "every outage by the lights themselves.",
        "kpis": ["lighting availability", "fault repair within four hours"],
        "indicative_budget": Decimal(24_000_000),
        "first_year": year,
        "last_year": year + 10,
        "location": "harbour district",
        "assets": ["street lights"],
        "sdgs": [7, 11],
        "tags": ["lighting", "availability"],
    }


def _project_fields(year: int) -> dict[str, Any]:
    return {
        "title": "Harbour district street lighting",
        "summary": "LED retrofit, operation and maintenance of the harbour district's 2,000 street lights for ten "
        "years, paid monthly on the lights' availability.",
        "planned_procurement_year": year,
        "planned_start_year": year,
        "duration_years": 10,
    }


HARBOUR_STRUCTURING = Structuring(
    screening={
        **FLOOD_STRUCTURING.screening,
        "scope_defined": 4,
        "expertise_gap": 3,
        "innovation_speed": 2,
        "operational_efficiency": 4,
        "lifecycle_years": 10,
    },
    considerations={
        **FLOOD_STRUCTURING.considerations,
        "duration_years": 10,
        "risk_transfer_wanted": 4,
        "innovation_vs_predictability": 1,
        "data_centric": False,
    },
    model="managed_services",
    model_reason="The city keeps the lights and the poles; the partner retrofits, runs and renews them and is paid "
    "only for the lights that are on.",
    facts={
        "solution_on_market": 4,
        "need_can_be_specified": 4,
        "outcome_defined_not_spec": False,
        "needs_real_world_testing": False,
        "dialogue_needed": False,
        "many_capable_suppliers": 4,
        "unsolicited_proposal_received": False,
        "grant_funded": False,
        "sole_source_justification": None,
        "estimated_value": "24000000",
    },
    route="open_tender",
    route_reason="LED lighting on availability is a mature market with many suppliers: compete on quality and price.",
    risk_categories=(),  # the register is recorded with its allocation (performance.HARBOUR_RISKS)
    terms={
        **TERMS,
        "payment_mechanisms": ["availability"],
        "penalties": "Availability deductions with a ratchet for repeated failures, capped at 20% of the month",
        "kpis": ["lighting availability", "fault response", "fault repair", "residents' satisfaction"],
        "data_licence": "The lights' status and energy data are open data",
        "hand_back_conditions": "Every light working, with five years of life left in its LED driver",
        "term_years": 10,
    },
    gate_reasons=(
        "Lights out for days in a district with night-time port traffic: a clear and measurable need.",
        "Screened: ten years of operation with availability payments favour a managed service.",
        "Model, route, risk allocation, terms and a positive value for money: ready for an open tender.",
    ),
)

HORIZON = 11  # year 0: procurement and retrofit; years 1-10: the service
HARBOUR_CASE: dict[str, Any] = {
    "horizon": HORIZON,
    "discount_rate": 0.035,
    "mid_year": False,
    "correlation": 0.0,
    # The public sector comparator: the city buys the LEDs and the control system, then runs them itself.
    "psc_capex": [6_000_000, 4_000_000],
    "psc_opex": [0, *[1_400_000] * (HORIZON - 1)],
    "competitive_neutrality": [0, *[30_000] * (HORIZON - 1)],
    # The PPP: 2.4 million a year in availability payments at full availability.
    "ppp_payments": [0, *[2_400_000] * (HORIZON - 1)],
    "contract_management": [120_000, *[90_000] * (HORIZON - 1)],
    "transaction_costs": [250_000],
}

CRITERIA: list[dict[str, Any]] = [
    {
        "key": "quality",
        "name": "Quality",
        "weight": 60,
        "children": [
            {"key": "quality.availability", "name": "How the lights are kept on", "weight": 40, "threshold": 5},
            {"key": "quality.faults", "name": "Fault detection and repair", "weight": 35},
            {"key": "quality.energy", "name": "Energy and light quality", "weight": 25},
        ],
    },
    {"key": "price", "name": "Price (ten years of availability payments)", "weight": 40, "is_price": True},
]
BIDS: dict[str, dict[str, Any]] = {
    "supplier": {
        "price": "24000000",
        "answers": {
            "quality.availability": "A node in every lantern reports its state every 15 minutes; a crew on call "
            "around the clock from the harbour depot.",
            "quality.faults": "Faults seen by the nodes within 15 minutes; repaired within four hours, spares on "
            "the vans.",
            "quality.energy": "3000 K LED lanterns dimmed to 50% after midnight: 62% less energy than today.",
        },
        "consortium": [],
    },
    "brightpole": {
        "price": "25600000",
        "answers": {
            "quality.availability": "Smart poles with redundant drivers; availability reported daily.",
            "quality.faults": "Repairs within six hours; a depot shared with our other city contracts.",
            "quality.energy": "4000 K lanterns with motion dimming: 58% less energy.",
        },
        "consortium": [],
    },
    "harbour": {
        "price": "22900000",
        "answers": {
            "quality.availability": "Patrols twice a week and faults reported by residents through our app.",
            "quality.faults": "Repairs within 24 hours of a report.",
            "quality.energy": "LED lanterns from our partner, not dimmed: 45% less energy.",
        },
        "consortium": [
            {"name": "Harbour Networks plc", "share": 60, "role": "lead"},
            {"name": "Marisol Lighting SL", "share": 40, "role": "member"},
        ],
    },
}
MARKS: dict[str, Marks] = {
    "evaluator": {
        "Lumen Grid": {
            "quality.availability": (8, "Every light reports itself: outages are measured, not guessed."),
            "quality.faults": (8, "Four-hour repairs with spares on the vans meet the need."),
            "quality.energy": (8, "Warm light, dimmed after midnight, the largest saving."),
        },
        "BrightPole Infrastructure": {
            "quality.availability": (8, "Redundant drivers; daily reporting is slower than we need."),
            "quality.faults": (6, "Six hours is beyond the four hours sought."),
            "quality.energy": (7, "Good saving; 4000 K is harsh in a residential street."),
        },
        "Harbour Networks": {
            "quality.availability": (5, "Patrols and residents' reports: the problem we have today."),
            "quality.faults": (4, "24-hour repairs, six times the target."),
            "quality.energy": (6, "No dimming."),
        },
    },
    "evaluator2": {
        "Lumen Grid": {
            "quality.availability": (9, "Measured availability per light, the basis of the payment mechanism."),
            "quality.faults": (7, "Credible; the depot is small for a storm."),
            "quality.energy": (8, "The best saving."),
        },
        "BrightPole Infrastructure": {
            "quality.availability": (7, "Sound hardware."),
            "quality.faults": (6, "Six-hour repairs."),
            "quality.energy": (7, "Good saving."),
        },
        "Harbour Networks": {
            "quality.availability": (5, "No measurement of outages."),
            "quality.faults": (5, "Slow repairs."),
            "quality.energy": (6, "No dimming."),
        },
    },
}


def _business_case(project: Project) -> None:
    """The business case and its value-for-money analysis, before the structuring gate."""
    if BusinessCase.objects.filter(project=project).exists():
        return
    officer, analyst = _user("officer"), _user("analyst")
    seed_risks(officer, project)
    appraisal.business_case_save(actor=analyst, project_id=project.pk, inputs=HARBOUR_CASE, expected_version=0)
    run = appraisal.vfm_run_start(actor=analyst, project_id=project.pk, iterations=20_000, seed=20240115)
    appraisal.vfm_run_execute(run_id=run.pk)


def harbour_procurement(clock: DemoClock) -> None:
    """Planning, tender, bids, evaluation, award, standstill, regime, mobilisation plan and signatures."""
    start = clock.days_ago(STARTS_DAYS_AGO)
    if Tender.objects.filter(title=CONTRACT_TITLE).exists() or not clock.free_at(start):
        return
    officer, manager, supplier = _user("officer"), _user("manager"), _user("supplier")
    year = timezone.localdate(start).year
    with clock.at(start):
        project = _project(_need(year), _project_fields(year), HARBOUR_STRUCTURING, _business_case)
    with clock.at(clock.days_ago(STARTS_DAYS_AGO - 5)):
        tender = services.tender_create(
            actor=officer,
            project_id=project.pk,
            title=CONTRACT_TITLE,
            description=f"Retrofit the harbour district's {LIGHTS:,} street lights with connected LED lanterns, "
            "then operate, maintain and renew them for ten years, paid monthly on each light's measured "
            "availability, with deductions for lights out beyond four hours.",
            requirements="Every light reports its state at least every 15 minutes; faults repaired within four "
            "hours; availability of at least 99% each month; the lights' status data published as open data.",
            value_estimate=Decimal(24_000_000),
            criteria=CRITERIA,
            price_formula="lowest_relative",
            eligibility=["Registered supplier", "No unpaid taxes or social contributions", "Insurance of 5 million"],
            **timeline(timezone.now(), days=40, evaluation_days=10),
        )
        tender = services.tender_publish(actor=officer, tender_id=tender.pk, expected_version=tender.version)
    published = tender.publication_date
    with clock.at(published + timedelta(days=9)):
        question = services.clarification_ask(
            actor=_user("brightpole"),
            tender_id=tender.pk,
            question="Is the availability measured per light or per street?",
        )
    with clock.at(published + timedelta(days=11)):
        services.clarification_answer(
            actor=officer,
            clarification_id=question.pk,
            answer="Per light, every 15 minutes, from the lights' own status reports (schedule 6 of the draft "
            "contract).",
        )
    for days, username in ((14, "harbour"), (27, "brightpole"), (37, "supplier")):
        with clock.at(published + timedelta(days=days)):
            services.bid_submit(actor=_user(username), tender_id=tender.pk, payload=BIDS[username])
    deadline = tender.submission_deadline
    with clock.at(deadline + timedelta(hours=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
        evaluation.committee_assign(
            actor=officer, tender_id=tender.pk, evaluator_ids=[_user(name).pk for name in COMMITTEE]
        )
    with clock.at(deadline + timedelta(days=1)):
        _declare(tender, "evaluator")
        _declare(tender, "evaluator2")
    for days, username in ((4, "evaluator"), (6, "evaluator2")):
        with clock.at(deadline + timedelta(days=days)):
            _score(tender, username, MARKS[username], submit=True)
    with clock.at(deadline + timedelta(days=8)):
        for bid in evaluation.current_bids(tender):
            evaluation.eligibility_set(
                actor=officer, tender_id=tender.pk, bid_id=bid.pk, eligible=True, note="Registered and insured."
            )
        award = evaluation.award_decide(
            actor=officer,
            tender_id=tender.pk,
            reasons="Lumen Grid ranks first: lights that report their own faults, four-hour repairs and the largest "
            "energy saving, at a price within the estimate.",
        )
    contract = Contract.objects.get(award=award)
    with clock.at(award.standstill_end + timedelta(hours=2)):
        _prepare(contract, manager, today=timezone.localdate(clock.today))
    with clock.at(award.standstill_end + timedelta(days=1)):
        _sign(contract, manager, supplier)


def _prepare(contract: Contract, manager: Any, *, today: date) -> None:
    """After the standstill: schedule 6 (the performance regime) and the mobilisation plan, before signing."""
    performance.regime_save(
        actor=manager,
        contract_id=contract.pk,
        expected_number=0,
        rationale="The contract's payment mechanism (schedule 6), as tendered.",
        text=REGIME.format(tz=settings.TIME_ZONE),
    )
    contracts.milestones_plan(actor=manager, contract_id=contract.pk, items=mobilisation_plan(contract, today))


def _sign(contract: Contract, manager: Any, supplier: Any) -> None:
    lighting, partner = _organisation("Energy and Street Lighting"), _organisation("Lumen Grid")
    for actor, party, name, title in (
        (supplier, partner, "Inês Carvalho", "Managing director"),
        (manager, lighting, "Helena Duarte", "Mayor"),
    ):
        contracts.contract_sign(
            actor=actor,
            contract_id=contract.pk,
            number=1,
            organisation_id=party.pk,
            signatory_name=name,
            signatory_title=title,
        )
