"""The demo city, Port Aurelia: one place, idempotent. Later issues add their steps here.

Demo accounts exist only when this seed runs; their password is DEMO_PASSWORD (see README).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from civicpact.accounts import services as accounts
from civicpact.accounts.models import (
    CapabilityProfile,
    Membership,
    Organisation,
    OrganisationKind,
    OtherKind,
    Role,
    User,
    VerificationStatus,
)
from civicpact.appraisal import services as appraisal
from civicpact.appraisal.models import BusinessCase, RiskRegister
from civicpact.demo.clock import DemoClock
from civicpact.demo.finance import seed_streetlight_finance
from civicpact.demo.governance import seed_governance
from civicpact.demo.harbour import harbour_procurement
from civicpact.demo.history import HISTORY
from civicpact.demo.incidents import seed_streetlight_incidents
from civicpact.demo.performance import seed_streetlight_contract
from civicpact.demo.tendering import seed_flood_challenge
from civicpact.pipeline import services as pipeline
from civicpact.pipeline.models import Need, Project

DEMO_PASSWORD = "aurelia-demo-2026"  # noqa: S105 - documented demo credential, only created by the demo seed

Progress = Callable[[int, int, str], None]

CITY = "City of Port Aurelia"
DEPARTMENTS = [
    "Transport and Mobility",
    "Environment and Climate",
    "Energy and Street Lighting",
    "Digital and IT",
    "Finance",
    "Procurement and PPP Unit",
    "Office of the City Auditor",
]


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    legal_name: str
    country: str
    registration_number: str
    is_sme: bool
    contact_name: str
    verified: bool


SUPPLIERS = [
    DemoSupplier("Lumen Grid", "Lumen Grid Lda", "PT", "PT-514220981", True, "Inês Carvalho", True),
    DemoSupplier("CivicSense Analytics", "CivicSense Analytics Ltd", "GB", "GB-11873422", True, "Priya Raman", True),
    DemoSupplier("Harbour Networks", "Harbour Networks plc", "GB", "GB-04417720", False, "Tom Ellery", True),
    DemoSupplier("MetroPark Systems", "MetroPark Systems GmbH", "DE", "HRB-228741", False, "Jonas Weber", True),
    DemoSupplier(
        "BrightPole Infrastructure", "BrightPole Infrastructure SA", "ES", "A-87412093", False, "Lucía Ortega", True
    ),
    DemoSupplier(
        "OpenFlow Data Co-op", "OpenFlow Data Cooperative", "NL", "KVK-71239984", True, "Sanne de Vries", False
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    organisation: str


# Users of three more verified suppliers, who bid in the demo's tenders. They sign up after the city has recorded
# their organisations' capability profiles from the supplier register (and after the demo's older events).
BIDDERS = [
    DemoUser("civicsense", "Priya Raman", Role.SUPPLIER_USER, "CivicSense Analytics"),
    DemoUser("harbour", "Tom Ellery", Role.SUPPLIER_USER, "Harbour Networks"),
    DemoUser("brightpole", "Lucía Ortega", Role.SUPPLIER_USER, "BrightPole Infrastructure"),
]

USERS = [
    DemoUser("admin", "Ada Administrator", Role.ADMINISTRATOR, CITY),
    DemoUser("lead", "Leonor Lead", Role.DEPARTMENT_LEAD, "Energy and Street Lighting"),
    DemoUser("officer", "Omar Officer", Role.PROCUREMENT_OFFICER, "Procurement and PPP Unit"),
    DemoUser("analyst", "Ana Analyst", Role.FINANCE_ANALYST, "Finance"),
    DemoUser("evaluator", "Eve Evaluator", Role.EVALUATOR, "Procurement and PPP Unit"),
    DemoUser("evaluator2", "Elias Evaluator", Role.EVALUATOR, "Procurement and PPP Unit"),
    DemoUser("manager", "Marco Manager", Role.CONTRACT_MANAGER, "Energy and Street Lighting"),
    DemoUser("auditor", "Aurora Auditor", Role.AUDITOR, "Office of the City Auditor"),
    DemoUser("supplier", "Sam Supplier", Role.SUPPLIER_USER, "Lumen Grid"),
    *BIDDERS,
]


def _no_progress(done: int, total: int, message: str) -> None:
    return None


def _organisation(name: str, kind: str, parent: Organisation | None = None, **fields: object) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return accounts.organisation_create(actor=None, name=name, kind=kind, parent=parent, **fields)


def _supplier(item: DemoSupplier, verifier: User | None) -> Organisation:
    organisation = _organisation(
        item.name,
        OrganisationKind.SUPPLIER,
        legal_name=item.legal_name,
        country=item.country,
        registration_number=item.registration_number,
        is_sme=item.is_sme,
        contact_name=item.contact_name,
        contact_email=f"bids@{item.name.lower().replace(' ', '').replace('-', '')}.example",
        verification_status=VerificationStatus.PENDING,
    )
    if item.verified and organisation.verification_status == VerificationStatus.PENDING and verifier is not None:
        organisation = accounts.supplier_decide(actor=verifier, organisation_id=organisation.pk, approve=True)
    return organisation


def _user(item: DemoUser) -> User:
    user = User.objects.filter(username=item.username).first()
    if user is None:
        user = accounts.user_create(
            actor=None,
            username=item.username,
            password=DEMO_PASSWORD,
            email=f"{item.username}@portaurelia.example",
            full_name=item.full_name,
            validate=False,
        )
    organisation = Organisation.objects.get(name=item.organisation)
    if not Membership.objects.filter(user=user, organisation=organisation, role=item.role).exists():
        accounts.membership_grant(actor=None, user=user, organisation=organisation, role=item.role)
    return user


@dataclass(frozen=True)
class DemoNeed:
    department: str
    title: str
    problem: str
    outcomes: str
    kpis: tuple[str, ...]
    budget: int
    years: tuple[int, int]
    location: str
    assets: tuple[str, ...]
    sdgs: tuple[int, ...]
    tags: tuple[str, ...]
    author: str


NEEDS = [
    DemoNeed(
        "Energy and Street Lighting",
        "Cut street-lighting energy by 40%",
        "Our 20,000 sodium street lights use 11 GWh a year and fail often; faults are found by patrols.",
        "Connected LED lighting that dims by need, reports faults itself and cuts energy use by 40%.",
        ("energy use", "fault repair time"),
        9_000_000,
        (2027, 2036),
        "citywide",
        ("lighting poles",),
        (7, 11, 13),
        ("lighting", "energy"),
        "lead",
    ),
    DemoNeed(
        "Transport and Mobility",
        "Know traffic flows at every junction",
        "We count traffic by hand twice a year; signal timings are years out of date.",
        "Continuous counts at 300 junctions from sensors on existing street lighting poles.",
        ("journey time", "data availability"),
        1_500_000,
        (2027, 2031),
        "citywide",
        ("lighting poles", "traffic signals"),
        (9, 11),
        ("traffic", "sensors"),
        "officer",
    ),
    DemoNeed(
        "Environment and Climate",
        "Street-level air quality data",
        "Four reference stations cannot show which streets breach air quality limits.",
        "Low-cost air quality sensors on street lights in every district, published as open data.",
        ("data availability", "NO2 exceedances"),
        600_000,
        (2027, 2030),
        "citywide",
        ("lighting poles",),
        (3, 11),
        ("air quality", "sensors", "open data"),
        "officer",
    ),
    DemoNeed(
        "Transport and Mobility",
        "Find a parking space without circling",
        "A third of harbour-district traffic is drivers looking for a space.",
        "Drivers see free spaces in real time; the city learns how parking is used.",
        ("search traffic", "occupancy"),
        800_000,
        (2028, 2033),
        "harbour district",
        ("parking bays",),
        (11,),
        ("parking", "data partnership"),
        "officer",
    ),
    DemoNeed(
        "Digital and IT",
        "Public Wi-Fi and fibre backhaul for the harbour",
        "The harbour district has poor connectivity for residents, visitors and city devices.",
        "Free public Wi-Fi and a fibre network city devices can use.",
        ("coverage", "data availability"),
        2_000_000,
        (2028, 2040),
        "harbour district",
        ("fibre ducts", "lighting poles"),
        (9,),
        ("broadband",),
        "officer",
    ),
    DemoNeed(
        "Finance",
        "Replace the payroll system",
        "The payroll software is out of support.",
        "A supported payroll service.",
        ("payroll errors",),
        400_000,
        (2027, 2029),
        "",
        (),
        (16,),
        ("back office",),
        "officer",
    ),
]

CAPABILITIES = {
    "Lumen Grid": (
        ["street lighting", "energy services"],
        "Connected LED street lighting retrofit with a central management system and remote fault reporting.",
        "Lighting retrofit for two Portuguese municipalities (12,000 lights).",
        ["lighting poles"],
    ),
    "CivicSense Analytics": (
        ["sensors", "open data"],
        "Low-cost air quality and traffic sensors mounted on street lights, with an open data platform.",
        "Air quality pilots in three UK cities.",
        ["lighting poles"],
    ),
    "Harbour Networks": (
        ["telecoms"],
        "Fibre networks, public Wi-Fi and backhaul for smart-city devices.",
        "Fibre concessions in coastal towns.",
        ["fibre ducts", "lighting poles"],
    ),
    "MetroPark Systems": (
        ["parking", "mobility"],
        "Parking bay sensors and real-time parking guidance apps.",
        "Parking guidance in four German cities.",
        ["parking bays"],
    ),
    "BrightPole Infrastructure": (
        ["smart poles", "infrastructure"],
        "Smart poles that carry lighting, sensors, 5G small cells and EV charging.",
        "Smart pole concession in Valencia.",
        ["lighting poles"],
    ),
}


def _need(item: DemoNeed) -> Need:
    existing = Need.objects.filter(title=item.title).first()
    if existing is not None:
        return existing
    return pipeline.need_create(
        actor=User.objects.get(username=item.author),
        department=Organisation.objects.get(name=item.department),
        title=item.title,
        problem_statement=item.problem,
        outcomes_sought=item.outcomes,
        kpis=list(item.kpis),
        indicative_budget=Decimal(item.budget),
        first_year=item.years[0],
        last_year=item.years[1],
        location=item.location,
        assets=list(item.assets),
        sdgs=list(item.sdgs),
        tags=list(item.tags),
    )


def _capability(name: str) -> None:
    organisation = Organisation.objects.get(name=name)
    if CapabilityProfile.objects.filter(organisation=organisation).exists():
        return
    sectors, solutions, references, assets = CAPABILITIES[name]
    user = organisation.memberships.filter(role=Role.SUPPLIER_USER).select_related("user").first()
    if user is None:
        CapabilityProfile.objects.create(
            organisation=organisation, sectors=sectors, solutions=solutions, references=references, assets=assets
        )
        return
    accounts.capability_save(
        actor=user.user,
        organisation_id=organisation.pk,
        sectors=sectors,
        solutions=solutions,
        references=references,
        assets=assets,
    )


def _projects() -> None:
    officer = User.objects.get(username="officer")
    if not Project.objects.filter(title="Smart street lighting and sensor network").exists():
        lighting = Need.objects.get(title="Cut street-lighting energy by 40%")
        traffic = Need.objects.get(title="Know traffic flows at every junction")
        air = Need.objects.get(title="Street-level air quality data")
        project = pipeline.project_create(
            actor=officer,
            title="Smart street lighting and sensor network",
            summary="Connected LED lighting across the city, with the poles carrying traffic and air quality "
            "sensors for three departments.",
            lead_department=lighting.department,
            need_ids=[lighting.pk, traffic.pk, air.pk],
            budget_shares={
                lighting.department_id: Decimal(9_000_000),
                traffic.department_id: Decimal(1_500_000),
                air.department_id: Decimal(600_000),
            },
            planned_procurement_year=2027,
            planned_start_year=2027,
            duration_years=10,
        )
        pipeline.gate_decide(
            actor=officer,
            project_id=project.pk,
            decision="approve",
            expected_stage="idea",
            reasons="Three departments share the need and the pole network; worth assessing.",
        )
        appraisal.screening_record(actor=officer, project_id=project.pk, answers=LIGHTING_SCREENING)
        pipeline.gate_decide(
            actor=officer,
            project_id=project.pk,
            decision="approve",
            expected_stage="opportunity_assessment",
            reasons="Market sounding showed interest from four suppliers; move to structuring.",
        )
    if not Project.objects.filter(title="Harbour parking guidance").exists():
        parking = Need.objects.get(title="Find a parking space without circling")
        pipeline.project_create(
            actor=officer,
            title="Harbour parking guidance",
            summary="Real-time parking guidance in the harbour district, possibly as a data partnership.",
            lead_department=parking.department,
            need_ids=[parking.pk],
            budget_shares={parking.department_id: Decimal(800_000)},
            planned_procurement_year=2028,
            planned_start_year=2028,
            duration_years=5,
        )


LIGHTING_SCREENING = {
    "public_need_clear": 4,
    "private_interest": 3,
    "value_over_traditional": 3,
    "scope_defined": 3,
    "expertise_gap": 3,
    "capital_constraint": 4,
    "innovation_speed": 2,
    "risk_transfer": 3,
    "operational_efficiency": 4,
    "commodity_need": False,
    "lifecycle_years": 10,
}

LIGHTING_RISKS = [
    (
        "build_integration",
        "Pole-mounted sensors fail integration with the traffic control system",
        0.3,
        80_000,
        150_000,
        400_000,
        0.8,
        "The partner designs and integrates the system.",
    ),
    (
        "technology_obsolescence",
        "LED drivers and nodes unsupported before year 10",
        0.4,
        200_000,
        500_000,
        1_200_000,
        0.7,
        "A technology refresh is priced into the service charge.",
    ),
    (
        "cyber_security",
        "Attack on the central management system",
        0.15,
        50_000,
        300_000,
        2_000_000,
        0.6,
        "The partner runs the platform; the city keeps network segregation duties.",
    ),
    (
        "data_protection",
        "Sensor data identifies people",
        0.1,
        20_000,
        100_000,
        500_000,
        0.5,
        "Shared: the partner processes, the city controls the purposes.",
    ),
    (
        "political",
        "A new council cancels the sensor scope",
        0.05,
        100_000,
        250_000,
        600_000,
        0.0,
        "Only the city can manage political change.",
    ),
]

LIGHTING_TERMS = {
    "payment_mechanisms": ["availability"],
    "indexation": "CPI annually",
    "penalties": "Availability deductions",
    "kpis": ["lighting availability", "fault repair within 24 hours"],
    "governance_bodies": ["Steering board", "Operations board"],
    "reporting_cadence": "monthly",
    "escalation_ladder": ["operations board", "steering board", "mediation"],
    "change_threshold_amount": "50000",
    "dispute_resolution": "Expert determination, then arbitration",
    "data_ownership": None,
    "privacy_impact_assessment": True,
    "ip_new_developments": "partner",
    "interoperability_open_standards": True,
    "audit_rights": True,
    "term_years": 12,
    "technology_refresh_clause": False,
    "exit_plan": False,
    "personal_data_processed": True,
}


HORIZON = 13
LIGHTING_CASE = {
    # Real 2026 prices; year 0 = 2027. PSC: the city buys and runs the LEDs itself; PPP: availability payments.
    "horizon": HORIZON,
    "discount_rate": 0.035,
    "mid_year": False,
    "correlation": 0.0,
    "psc_capex": [5_500_000, 3_500_000],
    "psc_opex": [0, 300_000, *[650_000] * (HORIZON - 2)],
    "competitive_neutrality": [0, 20_000, *[40_000] * (HORIZON - 2)],
    "ppp_payments": [0, 700_000, *[1_450_000] * (HORIZON - 2)],
    "contract_management": [150_000, *[80_000] * (HORIZON - 1)],
    "transaction_costs": [300_000],
    # Cost-benefit (the project's resource costs and benefits): 20,000 sodium lights use 11 GWh a year; LEDs
    # that dim by need save 40% (4.4 GWh at 0.20/kWh = 880k) and end the fault patrols and frequent lamp
    # changes (600k); carbon at 0.3 t/MWh (1,320 t a year) valued at 90/t; traffic counts let signals be
    # retimed (journey time); air-quality data; pole space rented to mobile operators. Half a year in year 1.
    "cba": {
        "costs": {
            "capex": [5_500_000, 3_500_000],
            "opex": [0, 300_000, *[650_000] * (HORIZON - 2)],
            "renewals": [0] * 8 + [600_000],
            "transaction": [300_000],
            "contract_management": [150_000, *[80_000] * (HORIZON - 1)],
        },
        "benefits": {
            "cash_savings": [0, 740_000, *[1_480_000] * (HORIZON - 2)],
            "revenue": [0, 0, *[60_000] * (HORIZON - 2)],
            "social": [0, 0, *[100_000] * (HORIZON - 2)],
            "time_saved": [0, 100_000, *[250_000] * (HORIZON - 2)],
        },
        "carbon": {"tonnes": [0, 660, *[1_320] * (HORIZON - 2)], "price": 90},
    },
    # Affordability: the lighting department redirects its electricity and maintenance budget; transport and
    # environment pay for their sensors' data; an innovation grant covers the transaction costs and the pole
    # rental offsets the payments. The city guarantees termination compensation to the partner's lenders.
    "affordability": {
        "first_calendar_year": 2027,
        "envelopes": {
            "Energy and Street Lighting": [100_000, 620_000, *[1_300_000] * (HORIZON - 2)],
            "Transport and Mobility": [0, 100_000, *[150_000] * (HORIZON - 2)],
            "Environment and Climate": [0, 30_000, *[60_000] * (HORIZON - 2)],
        },
        "funding": [
            {"kind": "grant", "name": "Urban innovation grant", "amount": 400_000, "first_year": 0},
            {
                "kind": "user_revenue",
                "name": "Pole space rented to mobile operators",
                "amount": 60_000,
                "first_year": 2,
                "last_year": HORIZON - 1,
            },
            {
                "kind": "department_budget",
                "name": "Energy and Street Lighting (redirected energy and maintenance budget)",
                "amount": 1_300_000,
                "first_year": 2,
                "last_year": HORIZON - 1,
            },
        ],
        "guarantees": [
            {
                "name": "Termination compensation to the partner's lenders",
                "maximum": 6_000_000,
                "probability": 0.01,
                "first_year": 1,
                "last_year": HORIZON - 1,
            }
        ],
    },
}


def _appraisal() -> None:
    """The lighting project's structuring: model, route, risks, and a term sheet with deliberate gaps."""
    project = Project.objects.get(title="Smart street lighting and sensor network")
    officer = User.objects.get(username="officer")
    if not project.model_choices.exists():
        appraisal.model_choose(
            actor=officer,
            project_id=project.pk,
            chosen_model="managed_services",
            reason="The city keeps the poles and control; the partner is paid on lighting availability.",
            considerations={
                "capabilities_needed": 4,
                "risk_transfer_wanted": 3,
                "public_funding_available": 3,
                "duration_years": 10,
                "governance_complexity_acceptable": 1,
                "control_vs_flexibility": 1,
                "risk_transfer_vs_cost": 2,
                "innovation_vs_predictability": 2,
                "speed_vs_thoroughness": 2,
                "data_centric": False,
            },
        )
    if not project.route_choices.exists():
        appraisal.route_choose(
            actor=officer,
            project_id=project.pk,
            chosen_route="competitive_dialogue",
            sole_source_justification="",
            reason="Sensor integration options need dialogue with bidders before final offers.",
            facts={
                "solution_on_market": 4,
                "need_can_be_specified": 2,
                "outcome_defined_not_spec": False,
                "needs_real_world_testing": False,
                "dialogue_needed": True,
                "many_capable_suppliers": 4,
                "unsolicited_proposal_received": False,
                "grant_funded": False,
                "sole_source_justification": None,
                "estimated_value": "11100000",
            },
        )
    register = RiskRegister.objects.get_or_create(project=project)[0]
    if not register.risks.exists():
        for category, title, p, low, likely, high, share, reason in LIGHTING_RISKS:
            register.refresh_from_db()
            appraisal.risk_save(
                actor=officer,
                project_id=project.pk,
                expected_version=register.version,
                category=category,
                title=title,
                probability=p,
                cost_min=Decimal(low),
                cost_most_likely=Decimal(likely),
                cost_max=Decimal(high),
                distribution="pert",
                once=True,
                timing_year=3,
                first_year=1,
                last_year=1,
                share_transferred=share,
                allocation_reason=reason,
                owner="Energy and Street Lighting",
            )
    if not project.term_sheets.exists():
        appraisal.terms_save(actor=officer, project_id=project.pk, terms=LIGHTING_TERMS, expected_version=0)
    if not BusinessCase.objects.filter(project=project).exists():
        analyst = User.objects.get(username="analyst")
        appraisal.business_case_save(actor=analyst, project_id=project.pk, inputs=LIGHTING_CASE, expected_version=0)
        run = appraisal.vfm_run_start(actor=analyst, project_id=project.pk, iterations=100_000, seed=20261124)
        appraisal.vfm_run_execute(run_id=run.pk)


def _market_sounding() -> None:
    project = Project.objects.get(title="Smart street lighting and sensor network")
    if project.rfis.exists():
        return
    rfi = pipeline.rfi_create(
        actor=User.objects.get(username="officer"),
        project_id=project.pk,
        title="Market sounding: smart street lighting with sensors",
        description="Port Aurelia wants connected LED street lighting whose poles also carry traffic and air "
        "quality sensors. We want to hear how you would do it, under which partnership model, and at what cost.",
        questions="1. Which partnership model would you propose?\n2. What share of energy savings is realistic?",
        response_deadline=timezone.now() + timedelta(days=45),
        publish=True,
    )
    pipeline.rfi_respond(
        actor=User.objects.get(username="supplier"),
        rfi_id=rfi.pk,
        interest=3,
        capability="We retrofitted 12,000 lights for two municipalities with remote fault reporting.",
        price_min=Decimal(7_500_000),
        price_max=Decimal(9_500_000),
        questions="Can the city share pole structural surveys?",
    )


# The stories of the demo's history, oldest first (their dates never go backwards: demo/clock.py).
STORIES = [
    ("the history: the harbour district's street lighting, procured, awarded and signed", harbour_procurement),
    *HISTORY,
]


@contextmanager
def _no_mail() -> Iterator[None]:
    """The history's notifications (a down-selection's letters, months ago) are not sent now: the mail backend is
    swapped for the dummy one until the step's transaction has committed (they are sent on commit)."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        yield


def seed_demo_city(
    progress: Progress = _no_progress, *, history: bool = True, performance: bool = True
) -> dict[str, int]:
    """Create what is missing of the demo city; running it twice changes nothing the second time.

    `history` adds the tenders whose deadlines have passed (demo/history.py): the organisations, people and needs
    are then created about five months ago and the stories at their own past dates, with the clock moved back
    (demo/clock.py), before the present-day parts. Without it (the tests' `city` fixture, for speed) everything
    happens at the real time.
    """
    clock = DemoClock(history=history)
    steps: list[tuple[str, Callable[[], object], Callable[[], AbstractContextManager[None]]]] = []
    city_holder: dict[str, Organisation] = {}

    def setup(label: str, step: Callable[[], object]) -> None:
        steps.append((label, step, clock.setup))

    def make_city() -> None:
        city_holder["city"] = _organisation(CITY, OrganisationKind.CITY)

    setup("the city", make_city)
    for name in DEPARTMENTS:
        setup(
            f"department: {name}",
            lambda name=name: _organisation(  # type: ignore[misc]
                name, OrganisationKind.DEPARTMENT, parent=city_holder["city"]
            ),
        )
    setup(
        "the civic tech association",
        lambda: _organisation(
            "Aurelia Open Data Association", OrganisationKind.OTHER, other_kind=OtherKind.CIVIL_SOCIETY
        ),
    )
    setup(
        "the university lab",
        lambda: _organisation("Aurelia Urban Systems Lab", OrganisationKind.OTHER, other_kind=OtherKind.RESEARCH),
    )
    for item in USERS:
        if item.role != Role.SUPPLIER_USER:
            setup(f"user: {item.username}", lambda item=item: _user(item))  # type: ignore[misc]
    for supplier in SUPPLIERS:
        setup(
            f"supplier: {supplier.name}",
            lambda s=supplier: _supplier(  # type: ignore[misc]
                s, User.objects.filter(username="officer").first()
            ),
        )
    for item in USERS:
        if item.role == Role.SUPPLIER_USER and item not in BIDDERS:
            setup(f"user: {item.username}", lambda item=item: _user(item))  # type: ignore[misc]

    for need in NEEDS:
        setup(f"need: {need.title}", lambda need=need: _need(need))  # type: ignore[misc]
    for name in CAPABILITIES:
        setup(f"capabilities: {name}", lambda name=name: _capability(name))  # type: ignore[misc]
    for item in BIDDERS:
        setup(f"user: {item.username}", lambda item=item: _user(item))  # type: ignore[misc]
    steps.extend(
        (label, lambda story=story: story(clock), _no_mail)  # type: ignore[misc]
        for label, story in (STORIES if history else ())
    )
    present = [
        ("projects and gate decisions", _projects),
        ("a market sounding", _market_sounding),
        ("the lighting project's structuring", _appraisal),
        ("a flood early-warning challenge, published with a sealed bid", seed_flood_challenge),
    ]
    if history and performance:  # the street-lighting contract's telemetry takes ~10 s: tests may leave it out
        present.append(
            ("a street-lighting contract with three months of telemetry and statements", seed_streetlight_contract)
        )
        present.append(
            ("the street lighting's incidents, a KPI score and a remediation plan", seed_streetlight_incidents)
        )
        present.append(("the street-lighting contract's governance", seed_governance))
        present.append(("the street lighting's invoices: one paid, one approved", seed_streetlight_finance))
    steps.extend((label, step, nullcontext) for label, step in present)

    total = len(steps)
    for done, (label, step, when) in enumerate(steps):
        progress(done, total, f"Creating {label}")
        with when(), transaction.atomic():
            step()
    progress(total, total, "The demo city is ready")
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "steps": total,
    }
