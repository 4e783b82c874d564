"""Demo history: tenders whose deadlines have passed, seeded through the real services with the clock moved back
(demo/clock.py), oldest first.

Three stories, in five steps whose dates never go backwards:

1. A pre-commercial procurement (PCP) of structural health monitoring for lighting columns: phase 1 (solution
   design) published about 136 days ago, three designs bid, opened, scored by a committee of two, and closed
   keeping two suppliers, each paid the phase payment; phase 2 (prototype) drafted and published two weeks ago,
   open to the two kept until after today.
2. An open tender for the seafront promenade's lighting columns: published about 57 days ago, three bids, opened
   after its deadline about 16 days ago; the committee declared, one evaluator has submitted their scores and the
   other is part-way through.
3. A Swiss challenge of Harbour Networks' unsolicited proposal to connect the traffic signals by fibre: published
   11 days ago with the proponent's right to match, open for competing offers until after today; the proponent's
   offer and one competing offer are in, sealed.

Each step is idempotent: it does nothing once its part of the story is recorded, nor when the audit chain already
holds an event later than the step's first moment (times never go backwards).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from civicpact.accounts.models import Organisation, User
from civicpact.demo.clock import DemoClock
from civicpact.demo.tendering import FLOOD_STRUCTURING, TERMS, Structuring, structure
from civicpact.pipeline import services as pipeline
from civicpact.pipeline.models import Need, Project
from civicpact.tendering import evaluation, services, stages
from civicpact.tendering.models import Score, Tender, TenderStatus

PCP_TITLE = "PCP: lighting columns that warn before they fail"
OPEN_TITLE = "Seafront promenade: 380 lighting columns, installed and maintained for 10 years"
SWISS_TITLE = "Swiss challenge: fibre to the city's 240 traffic signals"

COMMITTEE = ("evaluator", "evaluator2")


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _organisation(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def _noon(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=12, minute=0, second=0, microsecond=0)


def timeline(published: datetime, *, days: int, evaluation_days: int) -> dict[str, datetime]:
    """A tender's dates: the deadline at noon `days` after publication, questions until 8 days before it, the
    opening at the deadline, then the evaluation and a 14-day standstill."""
    deadline = _noon(published + timedelta(days=days))
    evaluation_end = deadline + timedelta(days=evaluation_days)
    return {
        "publication_date": published,
        "clarification_deadline": deadline - timedelta(days=8),
        "submission_deadline": deadline,
        "opening_date": deadline,
        "evaluation_end": evaluation_end,
        "standstill_end": evaluation_end + timedelta(days=14),
    }


def _project(
    need: dict[str, Any],
    project: dict[str, Any],
    plan: Structuring,
    before_gate: Callable[[Project], None] | None = None,
) -> Project:
    """A need in its department, a project for it, taken through its structuring gate."""
    officer = _user("officer")
    department = _organisation(need.pop("department"))
    author = _user(need.pop("author"))
    record = Need.objects.filter(title=need["title"]).first() or pipeline.need_create(
        actor=author, department=department, **need
    )
    budget = record.indicative_budget or Decimal(0)
    existing = Project.objects.filter(title=project["title"]).first()
    result = existing or pipeline.project_create(
        actor=officer,
        lead_department=department,
        need_ids=[record.pk],
        budget_shares={department.pk: budget},
        **project,
    )
    structure(officer, result, plan, before_gate)
    return result


def _declare(tender: Tender, username: str, ties: dict[str, str] | None = None) -> None:
    """No conflict with any bidder; `ties` records a past link that is not a conflict."""
    ties = ties or {}
    declarations = {
        bid.supplier_id: (False, ties.get(bid.supplier.name, "")) for bid in evaluation.current_bids(tender)
    }
    evaluation.conflicts_declare(actor=_user(username), tender_id=tender.pk, declarations=declarations)


Marks = dict[str, dict[str, tuple[int, str]]]  # bidder -> criterion -> (score, justification)


def _score(tender: Tender, username: str, marks: Marks, *, submit: bool) -> None:
    evaluator = _user(username)
    bids = {bid.supplier.name: bid for bid in evaluation.current_bids(tender)}
    for bidder, criteria in marks.items():
        for criterion, (value, justification) in criteria.items():
            evaluation.score_save(
                actor=evaluator,
                tender_id=tender.pk,
                bid_id=bids[bidder].pk,
                criterion=criterion,
                value=value,
                justification=justification,
            )
    if submit:
        evaluation.scores_submit(actor=evaluator, tender_id=tender.pk)


# --- 1. A pre-commercial procurement: solution design, down-selection, prototype ----------------------------------

PCP_NEED: dict[str, Any] = {
    "department": "Energy and Street Lighting",
    "author": "lead",
    "title": "Find failing lighting columns before they fall",
    "problem_statement": "About 1,200 of our 20,000 steel lighting columns are over 40 years old. Corrosion at the "
    "base is found only by a yearly visual check; two columns fell in the 2025 storms.",
    "outcomes_sought": "Know every column's structural health all the time, with a warning at least three months "
    "before a column becomes unsafe.",
    "kpis": ["columns monitored", "unsafe columns found before failure"],
    "indicative_budget": Decimal(900_000),
    "first_year": 2027,
    "last_year": 2029,
    "location": "citywide",
    "assets": ["lighting poles"],
    "sdgs": [9, 11],
    "tags": ["lighting", "structural health", "innovation"],
}
PCP_PROJECT: dict[str, Any] = {
    "title": "Structural health monitoring of lighting columns",
    "summary": "No product on the market reads a column's corrosion from outside: a pre-commercial procurement "
    "buys the research and development in three competing phases, from designs to a field test series.",
    "planned_procurement_year": 2026,
    "planned_start_year": 2027,
    "duration_years": 3,
}
PCP_STRUCTURING = Structuring(
    screening={**FLOOD_STRUCTURING.screening, "private_interest": 2, "lifecycle_years": 3},
    considerations={
        **FLOOD_STRUCTURING.considerations,
        "duration_years": 3,
        "innovation_vs_predictability": 4,
        "data_centric": False,
    },
    model="alliance",
    model_reason="Research and development shared with the suppliers, the city testing on its own columns.",
    facts={
        "solution_on_market": 0,
        "need_can_be_specified": 2,
        "outcome_defined_not_spec": True,
        "needs_real_world_testing": True,
        "dialogue_needed": False,
        "many_capable_suppliers": 3,
        "unsolicited_proposal_received": False,
        "grant_funded": False,
        "sole_source_justification": None,
        "estimated_value": "900000",
    },
    route="pre_commercial",
    route_reason="Nothing on the market does it: buy the R&D in phases, keeping the best designs at each phase.",
    risk_categories=("technology_obsolescence", "completion"),
    terms={
        **TERMS,
        "payment_mechanisms": ["milestone"],
        "kpis": ["wall loss detected", "false alarms"],
        "hand_back_conditions": "Sensors removed or left in working order, as the city chooses",
        "term_years": 3,
    },
    gate_reasons=(
        "Two columns fell last winter: a clear need with a measurable outcome.",
        "Screened: no supplier sells this yet, so the city must buy the R&D.",
        "Model, route, risks and terms are in place for a pre-commercial procurement.",
    ),
)
PCP_CRITERIA: list[dict[str, Any]] = [
    {
        "key": "design",
        "name": "The solution design",
        "weight": 100,
        "children": [
            {"key": "design.feasibility", "name": "Technical feasibility and evidence", "weight": 40, "threshold": 4},
            {"key": "design.innovation", "name": "Progress beyond the state of the art", "weight": 35},
            {"key": "design.plan", "name": "Plan and team for the prototype phase", "weight": 25},
        ],
    }
]
PCP_BIDS = {
    "brightpole": {
        "design.feasibility": "A collar of strain gauges and a tilt sensor fitted at 1 m; laboratory tests on six "
        "cut columns detected 25% wall loss at the base.",
        "design.innovation": "Reads the column's response to wind load against a model of the sound column.",
        "design.plan": "Prototype on 40 columns in 4 months with our pole factory in Valencia; team of 7.",
    },
    "civicsense": {
        "design.feasibility": "An acoustic guided-wave sensor clamped above ground reads the buried base; 12 field "
        "readings matched ultrasonic thickness tests within 8%.",
        "design.innovation": "Guided waves are used on pipelines; nobody has packaged them for street furniture.",
        "design.plan": "Prototype on 40 columns in 4 months with the Aurelia Urban Systems Lab; team of 6.",
    },
    "supplier": {
        "design.feasibility": "Tilt and vibration sensing in our lighting nodes; corrosion inferred from changes "
        "in the column's sway frequency.",
        "design.innovation": "Software only: no new hardware on columns that already carry our nodes.",
        "design.plan": "Prototype on 40 columns in 3 months; team of 4.",
    },
}
PCP_MARKS: dict[str, Marks] = {
    "evaluator": {
        "CivicSense Analytics": {
            "design.feasibility": (8, "Field readings checked against ultrasonic tests: convincing."),
            "design.innovation": (8, "A real step beyond visual checks and tilt sensors."),
            "design.plan": (7, "Credible, with the university lab; the schedule is tight."),
        },
        "BrightPole Infrastructure": {
            "design.feasibility": (7, "Good laboratory evidence, none in the field yet."),
            "design.innovation": (6, "Strain sensing is known; the wind-load model is new."),
            "design.plan": (8, "Strong manufacturing plan and team."),
        },
        "Lumen Grid": {
            "design.feasibility": (5, "Sway frequency changes late, when corrosion is already advanced."),
            "design.innovation": (4, "Little beyond the nodes' existing tilt alarm."),
            "design.plan": (6, "Simple, but the plan does not test the core assumption."),
        },
    },
    "evaluator2": {
        "CivicSense Analytics": {
            "design.feasibility": (8, "The best evidence of the three."),
            "design.innovation": (9, "Novel use of guided waves on street furniture."),
            "design.plan": (7, "Sound plan; relies on one specialist."),
        },
        "BrightPole Infrastructure": {
            "design.feasibility": (7, "Plausible; the tests were on cut columns, not installed ones."),
            "design.innovation": (7, "The model of the sound column is promising."),
            "design.plan": (7, "A realistic plan."),
        },
        "Lumen Grid": {
            "design.feasibility": (6, "Works for tilt, unproven for early corrosion."),
            "design.innovation": (5, "An extension of a product they already sell."),
            "design.plan": (6, "Short, with a small team."),
        },
    },
}


def pcp_first_phase(clock: DemoClock) -> None:
    """Phase 1 (solution design): published, three designs, opened, scored, two kept with a phase payment."""
    start = clock.days_ago(140)
    if Tender.objects.filter(title=PCP_TITLE).exists() or not clock.free_at(start):
        return
    officer = _user("officer")
    with clock.at(start):
        project = _project(dict(PCP_NEED), dict(PCP_PROJECT), PCP_STRUCTURING)
    with clock.at(clock.days_ago(136)):
        now = timezone.now()
        tender = services.tender_create(
            actor=officer,
            project_id=project.pk,
            title=PCP_TITLE,
            description="A pre-commercial procurement in three phases. Phase 1: a solution design and feasibility "
            "study in three months; the two best designs are kept and each is paid 40,000. Phase 2: prototypes on 40 "
            "columns; phase 3: a test series on 400 columns. The city gets a licence to use the results; the "
            "suppliers keep their intellectual property.",
            requirements="Detect a loss of 30% of the wall thickness at a column's base, from above ground and "
            "without digging, at least three months before the column becomes unsafe; fewer than 1 false alarm per "
            "1,000 columns a year; a unit cost under 150 per column at scale.",
            value_estimate=Decimal(900_000),
            criteria=PCP_CRITERIA,
            eligibility=["Registered supplier", "Research and development services, not an existing product"],
            keep=2,
            phase_payment=Decimal(40_000),
            **timeline(now, days=36, evaluation_days=20),
        )
        tender = services.tender_publish(actor=officer, tender_id=tender.pk, expected_version=tender.version)
    published = tender.publication_date
    with clock.at(published + timedelta(days=8)):
        question = services.clarification_ask(
            actor=_user("civicsense"),
            tender_id=tender.pk,
            question="May phase 1 designs be tested on columns the city is about to remove?",
        )
    with clock.at(published + timedelta(days=10)):
        services.clarification_answer(
            actor=officer,
            clarification_id=question.pk,
            answer="Yes: 40 columns on the ring road are due for replacement; phase 2 prototypes will be tested "
            "on them, and designs may use the six already removed.",
        )
    for days, username in ((12, "brightpole"), (24, "civicsense"), (35, "supplier")):
        with clock.at(published + timedelta(days=days)):
            services.bid_submit(
                actor=_user(username), tender_id=tender.pk, payload={"answers": PCP_BIDS[username], "consortium": []}
            )
    deadline = tender.submission_deadline
    with clock.at(deadline + timedelta(hours=2)):
        services.tender_open(actor=officer, tender_id=tender.pk)
        evaluation.committee_assign(
            actor=officer, tender_id=tender.pk, evaluator_ids=[_user(name).pk for name in COMMITTEE]
        )
    with clock.at(deadline + timedelta(days=1)):
        _declare(tender, "evaluator")
        _declare(tender, "evaluator2", {"CivicSense Analytics": "Co-supervised a student with its founder in 2019."})
    for days, username in ((5, "evaluator"), (7, "evaluator2")):
        with clock.at(deadline + timedelta(days=days)):
            _score(tender, username, PCP_MARKS[username], submit=True)
    with clock.at(deadline + timedelta(days=11)):
        for bid in evaluation.current_bids(tender):
            evaluation.eligibility_set(
                actor=officer, tender_id=tender.pk, bid_id=bid.pk, eligible=True, note="Registered; R&D offered."
            )
        stages.stage_close(
            actor=officer,
            tender_id=tender.pk,
            reasons="CivicSense Analytics and BrightPole Infrastructure showed evidence that their designs can "
            "find base corrosion early; the sway-frequency design did not show it for early corrosion.",
        )


def pcp_prototype_phase(clock: DemoClock) -> None:
    """Phase 2 (prototype): drafted from phase 1 and published 13 days ago, for the two suppliers kept."""
    first = Tender.objects.filter(title=PCP_TITLE, previous_stage__isnull=True).first()
    start = clock.days_ago(14)
    if first is None or first.status != TenderStatus.COMPLETED or first.next_stages.exists():
        return
    if not clock.free_at(start):
        return
    officer = _user("officer")
    with clock.at(start):
        draft = stages.stage_next(
            actor=officer,
            tender_id=first.pk,
            description="Phase 2 of the pre-commercial procurement, for the two suppliers kept at phase 1: a "
            "prototype on 40 ring-road columns due for replacement, read for four months, then the columns are cut "
            "and measured. The better prototype goes on to the test series and is paid 150,000.",
            keep=1,
            phase_payment=Decimal(150_000),
            **timeline(timezone.now(), days=42, evaluation_days=21),
        )
    with clock.at(clock.days_ago(13)):
        services.tender_publish(actor=officer, tender_id=draft.pk, expected_version=draft.version)


# --- 2. An open tender under evaluation --------------------------------------------------------------------------

OPEN_NEED: dict[str, Any] = {
    "department": "Energy and Street Lighting",
    "author": "lead",
    "title": "Replace the seafront promenade's lighting columns",
    "problem_statement": "The promenade's 380 concrete lighting columns from 1974 are cracking in the salt air; "
    "three fell in the 2025 winter storms and a quarter of the promenade is fenced off.",
    "outcomes_sought": "Corrosion-proof columns with dimmable LED lighting, ready to carry cameras and Wi-Fi, "
    "maintained for ten years.",
    "kpis": ["lighting availability", "energy use"],
    "indicative_budget": Decimal(2_400_000),
    "first_year": 2027,
    "last_year": 2036,
    "location": "seafront promenade",
    "assets": ["lighting poles"],
    "sdgs": [7, 11],
    "tags": ["lighting", "seafront"],
}
OPEN_PROJECT: dict[str, Any] = {
    "title": "Seafront promenade lighting renewal",
    "summary": "Design, supply, install and maintain 380 lighting columns on the promenade for ten years, paid on "
    "the lighting's availability.",
    "planned_procurement_year": 2026,
    "planned_start_year": 2027,
    "duration_years": 10,
}
OPEN_STRUCTURING = Structuring(
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
        "risk_transfer_wanted": 3,
        "innovation_vs_predictability": 1,
        "data_centric": False,
    },
    model="managed_services",
    model_reason="The city owns the columns; the partner installs them and is paid on the lighting's availability.",
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
        "estimated_value": "2400000",
    },
    route="open_tender",
    route_reason="A product on the market that we can specify, with many suppliers: compete on quality and price.",
    risk_categories=("build_integration", "availability_performance"),
    terms={
        **TERMS,
        "payment_mechanisms": ["availability"],
        "kpis": ["lighting availability", "fault repair within 24 hours"],
        "data_licence": "Open data licence for the energy and fault data",
        "hand_back_conditions": "Columns and lighting in working order, with five years of life left",
        "term_years": 10,
    },
    gate_reasons=(
        "Columns are falling: an urgent, well-defined need.",
        "Screened: availability payments and ten years of maintenance favour a managed service.",
        "Model, route, risks and terms are in place for an open tender.",
    ),
)
OPEN_CRITERIA: list[dict[str, Any]] = [
    {
        "key": "quality",
        "name": "Quality",
        "weight": 60,
        "children": [
            {"key": "quality.columns", "name": "Columns and lighting design", "weight": 40, "threshold": 5},
            {"key": "quality.installation", "name": "Installation plan and disruption", "weight": 30},
            {"key": "quality.maintenance", "name": "Maintenance and availability", "weight": 30},
        ],
    },
    {"key": "price", "name": "Price", "weight": 40, "is_price": True},
]
OPEN_BIDS: dict[str, dict[str, Any]] = {
    "supplier": {
        "price": "2240000",
        "answers": {
            "quality.columns": "Aluminium columns with marine-grade coating, 3000 K LED lanterns dimmed to 30% "
            "after midnight, each with a node ready for a camera or a Wi-Fi access point.",
            "quality.installation": "Four sections of 95 columns, one at a time, the promenade open on one side.",
            "quality.maintenance": "Faults reported by the nodes, repaired within 24 hours; spares for 12 years.",
        },
        "consortium": [],
    },
    "brightpole": {
        "price": "2395000",
        "answers": {
            "quality.columns": "Composite smart poles with lighting, two camera mounts, a 5G small-cell bay and "
            "a sea-water-proof base.",
            "quality.installation": "Night work from October to March, outside the tourist season.",
            "quality.maintenance": "A local depot in the harbour; 99.5% availability guaranteed.",
        },
        "consortium": [],
    },
    "harbour": {
        "price": "2080000",
        "answers": {
            "quality.columns": "Galvanised steel columns with LED lanterns from our partner; fibre to every "
            "column for later Wi-Fi.",
            "quality.installation": "Trenching the whole promenade at once for the fibre, in ten weeks.",
            "quality.maintenance": "Maintenance by our partner's team, repairs within 48 hours.",
        },
        "consortium": [
            {"name": "Harbour Networks plc", "share": 55, "role": "lead"},
            {"name": "Marisol Lighting SL", "share": 45, "role": "member"},
        ],
    },
}
OPEN_MARKS: dict[str, Marks] = {
    "evaluator": {
        "Lumen Grid": {
            "quality.columns": (8, "Marine-grade coating and ready for cameras and Wi-Fi."),
            "quality.installation": (7, "Keeps the promenade open; four months of works."),
            "quality.maintenance": (8, "Self-reported faults and 24-hour repairs."),
        },
        "BrightPole Infrastructure": {
            "quality.columns": (9, "The most capable poles; the sea-water-proof base answers the cause of failure."),
            "quality.installation": (8, "Works outside the tourist season."),
            "quality.maintenance": (8, "A local depot and a guaranteed availability."),
        },
        "Harbour Networks": {
            "quality.columns": (6, "Galvanised steel is the material that corroded; the lantern is unspecified."),
            "quality.installation": (5, "The whole promenade closed for ten weeks."),
            "quality.maintenance": (6, "48-hour repairs, below the 24 hours sought."),
        },
    },
    "evaluator2": {  # part-way through: not submitted
        "Lumen Grid": {
            "quality.columns": (7, "A sound design; the coating's warranty is only 10 years."),
            "quality.installation": (7, "Sensible phasing."),
            "quality.maintenance": (8, "Good fault reporting."),
        },
        "BrightPole Infrastructure": {
            "quality.columns": (9, "Best suited to the salt air."),
        },
    },
}


def open_tender_opened(clock: DemoClock) -> None:
    """Published, three bids, opened after the deadline, the committee appointed and its declarations made."""
    start = clock.days_ago(60)
    if Tender.objects.filter(title=OPEN_TITLE).exists() or not clock.free_at(start):
        return
    officer = _user("officer")
    with clock.at(start):
        project = _project(dict(OPEN_NEED), dict(OPEN_PROJECT), OPEN_STRUCTURING)
    with clock.at(clock.days_ago(57)):
        tender = services.tender_create(
            actor=officer,
            project_id=project.pk,
            title=OPEN_TITLE,
            description="Design, supply and install 380 lighting columns on the seafront promenade, replacing the "
            "1974 concrete columns, and maintain them for ten years, paid monthly on the lighting's availability.",
            requirements="Columns that resist salt spray for 30 years; LED lanterns of at most 3000 K, dimmable; "
            "every column ready to carry a camera and a Wi-Fi access point; faults repaired within 24 hours.",
            value_estimate=Decimal(2_400_000),
            criteria=OPEN_CRITERIA,
            price_formula="lowest_relative",
            eligibility=["Registered supplier", "No unpaid taxes or social contributions", "Insurance of 5 million"],
            **timeline(timezone.now(), days=40, evaluation_days=40),
        )
        tender = services.tender_publish(actor=officer, tender_id=tender.pk, expected_version=tender.version)
    published = tender.publication_date
    for days, username in ((6, "supplier"), (19, "brightpole"), (38, "harbour")):
        with clock.at(published + timedelta(days=days)):
            services.bid_submit(actor=_user(username), tender_id=tender.pk, payload=OPEN_BIDS[username])
    deadline = tender.submission_deadline
    with clock.at(deadline + timedelta(hours=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
        evaluation.committee_assign(
            actor=officer, tender_id=tender.pk, evaluator_ids=[_user(name).pk for name in COMMITTEE]
        )
    with clock.at(deadline + timedelta(days=1)):
        _declare(tender, "evaluator")
        _declare(tender, "evaluator2")


def open_tender_scoring(clock: DemoClock) -> None:
    """The evaluation under way: one evaluator has submitted, the other has scored part of the bids."""
    tender = Tender.objects.filter(title=OPEN_TITLE, status=TenderStatus.OPENED).first()
    start = clock.days_ago(5)
    if tender is None or Score.objects.filter(assignment__tender=tender).exists() or not clock.free_at(start):
        return
    with clock.at(start):
        _score(tender, "evaluator", OPEN_MARKS["evaluator"], submit=True)
    with clock.at(clock.days_ago(2)):
        _score(tender, "evaluator2", OPEN_MARKS["evaluator2"], submit=False)


# --- 3. A Swiss challenge of an unsolicited proposal --------------------------------------------------------------

SWISS_NEED: dict[str, Any] = {
    "department": "Transport and Mobility",
    "author": "officer",
    "title": "Connect every traffic signal to the control centre",
    "problem_statement": "Only 60 of our 240 signalised junctions are connected to the traffic control centre; "
    "the others run fixed timings and their faults are reported by phone.",
    "outcomes_sought": "All 240 junctions connected by a resilient network the city controls, so that signal "
    "timings can follow the traffic.",
    "kpis": ["junctions connected", "network availability"],
    "indicative_budget": Decimal(3_000_000),
    "first_year": 2027,
    "last_year": 2041,
    "location": "citywide",
    "assets": ["traffic signals", "fibre ducts"],
    "sdgs": [9, 11],
    "tags": ["traffic", "fibre", "unsolicited proposal"],
}
SWISS_PROJECT: dict[str, Any] = {
    "title": "Fibre for the traffic signals",
    "summary": "Harbour Networks' unsolicited proposal: fibre to all 240 junctions in the city's ducts, run for 15 "
    "years and paid in part by renting the spare fibre. The city tests it against the market by a Swiss challenge.",
    "planned_procurement_year": 2026,
    "planned_start_year": 2027,
    "duration_years": 15,
}
SWISS_STRUCTURING = Structuring(
    screening={
        **FLOOD_STRUCTURING.screening,
        "private_interest": 4,
        "scope_defined": 4,
        "capital_constraint": 4,
        "lifecycle_years": 15,
    },
    considerations={
        **FLOOD_STRUCTURING.considerations,
        "duration_years": 15,
        "risk_transfer_wanted": 3,
        "public_funding_available": 1,
        "data_centric": False,
    },
    model="concession_bot",
    model_reason="The partner builds and runs the network and earns from the spare fibre; the city gets the "
    "network back after 15 years.",
    facts={
        "solution_on_market": 4,
        "need_can_be_specified": 3,
        "outcome_defined_not_spec": False,
        "needs_real_world_testing": False,
        "dialogue_needed": False,
        "many_capable_suppliers": 2,
        "unsolicited_proposal_received": True,
        "grant_funded": False,
        "sole_source_justification": None,
        "estimated_value": "3000000",
    },
    route="unsolicited_proposal",
    route_reason="An unsolicited proposal: publish it and let the market beat it; the proponent may match.",
    risk_categories=("revenue", "land_availability"),
    terms={
        **TERMS,
        "payment_mechanisms": ["availability", "revenue_share"],
        "kpis": ["network availability", "junctions connected"],
        "data_licence": "The city owns the traffic data; the network's status data is open",
        "hand_back_conditions": "Fibre and equipment in working order, with ten years of life left",
        "term_years": 15,
    },
    gate_reasons=(
        "An unsolicited proposal that answers a registered need.",
        "Screened: the partner's revenue from the spare fibre makes a PPP worth pursuing.",
        "Model, route, risks and terms are in place for a Swiss challenge.",
    ),
)
SWISS_CRITERIA: list[dict[str, Any]] = [
    {
        "key": "solution",
        "name": "The solution",
        "weight": 60,
        "children": [
            {"key": "solution.network", "name": "Network design and resilience", "weight": 50, "threshold": 5},
            {"key": "solution.service", "name": "Service levels and maintenance", "weight": 30},
            {"key": "solution.revenue", "name": "The city's share of the spare fibre's revenue", "weight": 20},
        ],
    },
    {"key": "price", "name": "Price (the city's payments, net present value)", "weight": 40, "is_price": True},
]
SWISS_BIDS: dict[str, dict[str, Any]] = {
    "harbour": {
        "price": "2570000",
        "answers": {
            "solution.network": "85 km of 96-fibre cable in the city's ducts, a ring with two routes to the control "
            "centre; every junction on two fibres.",
            "solution.service": "99.95% availability; repairs within 4 hours; a network operations centre in the "
            "harbour.",
            "solution.revenue": "20% of the revenue from renting the spare fibre to operators.",
        },
        "consortium": [],
    },
    "brightpole": {
        "price": "2430000",
        "answers": {
            "solution.network": "A 72-fibre ring in the ducts plus 5G small cells as a backup path at 40 junctions.",
            "solution.service": "99.9% availability; repairs within 6 hours.",
            "solution.revenue": "30% of the revenue from the spare fibre and the small cells.",
        },
        "consortium": [
            {"name": "BrightPole Infrastructure SA", "share": 60, "role": "lead"},
            {"name": "Iberfibra Redes SL", "share": 40, "role": "member"},
        ],
    },
}


def swiss_challenge(clock: DemoClock) -> None:
    """The unsolicited proposal, published for competing offers with a right to match; two sealed offers."""
    start = clock.days_ago(12)
    if Tender.objects.filter(title=SWISS_TITLE).exists() or not clock.free_at(start):
        return
    officer = _user("officer")
    with clock.at(start):
        project = _project(dict(SWISS_NEED), dict(SWISS_PROJECT), SWISS_STRUCTURING)
    with clock.at(clock.days_ago(11)):
        tender = services.tender_create(
            actor=officer,
            project_id=project.pk,
            title=SWISS_TITLE,
            description="Harbour Networks proposed, unsolicited, to connect all 240 signalised junctions to the "
            "traffic control centre by fibre and to run the network for 15 years. The city publishes the proposal "
            "and invites competing offers. If a competing offer ranks first, Harbour Networks may match it within "
            "10 days and then wins on its terms.",
            requirements="Every junction on two separate fibres; 99.9% network availability or better; the city's "
            "traffic data on fibres the city alone controls; the network handed back in working order after 15 "
            "years.",
            value_estimate=Decimal(3_000_000),
            criteria=SWISS_CRITERIA,
            price_formula="lowest_relative",
            eligibility=["Registered supplier", "Licensed electronic communications operator or its partner"],
            proponent=_organisation("Harbour Networks"),
            proposal_summary="Harbour Networks lays 85 km of fibre in the city's existing ducts to all 240 "
            "signalised junctions within 18 months and runs the network for 15 years at 99.95% availability. The "
            "city pays 1,150,000 on completion and 95,000 a year; Harbour Networks rents the spare fibre to "
            "operators and shares 20% of that revenue with the city.",
            swiss_rule="match",
            match_days=10,
            **timeline(timezone.now(), days=38, evaluation_days=30),
        )
        tender = services.tender_publish(actor=officer, tender_id=tender.pk, expected_version=tender.version)
    for days, username in ((9, "harbour"), (6, "brightpole")):
        with clock.at(clock.days_ago(days)):
            services.bid_submit(actor=_user(username), tender_id=tender.pk, payload=SWISS_BIDS[username])


HISTORY: list[tuple[str, Callable[[DemoClock], None]]] = [
    ("the history: a pre-commercial procurement's solution design phase, down-selected", pcp_first_phase),
    ("the history: an open tender for the seafront lighting, its bids opened", open_tender_opened),
    ("the history: the pre-commercial procurement's prototype phase, published", pcp_prototype_phase),
    ("the history: a Swiss challenge of an unsolicited fibre proposal, with two sealed offers", swiss_challenge),
    ("the history: the seafront tender's evaluation under way", open_tender_scoring),
]
