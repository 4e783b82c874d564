"""A project that passed its structuring gate, a draft and a published tender, and two verified suppliers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicpact.accounts.models import User
from civicpact.pipeline.models import Project

CRITERIA = [
    {
        "key": "quality",
        "name": "Quality",
        "weight": 60,
        "children": [
            {"key": "quality.approach", "name": "Approach and innovation", "weight": 50, "threshold": 4},
            {"key": "quality.delivery", "name": "Delivery plan", "weight": 50},
        ],
    },
    {"key": "price", "name": "Price", "weight": 40, "is_price": True},
]
SECRET_ANSWER = "Our confidential dimming algorithm XK-4471"
SECRET_PRICE = "9876543.21"


def timeline(start: Any = None) -> dict[str, Any]:
    now = start or timezone.now()
    deadline = now + timedelta(days=31)
    return {
        "publication_date": now,
        "clarification_deadline": now + timedelta(days=25),
        "submission_deadline": deadline,
        "opening_date": deadline,
        "evaluation_end": deadline + timedelta(days=14),
        "standstill_end": deadline + timedelta(days=25),
    }


def tender_fields(**change: Any) -> dict[str, Any]:
    fields = {
        "title": "Connected LED street lighting, 20,000 points",
        "description": "Replace and run the city's street lighting under an availability-based contract.",
        "value_estimate": "16000000",
        "criteria": CRITERIA,
        "price_formula": "lowest_relative",
        "eligibility": ["Registered supplier", "No unpaid taxes"],
        **timeline(),
    }
    fields.update(change)
    return fields


def bid_payload(answer: str = SECRET_ANSWER, price: str = SECRET_PRICE, **change: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "price": price,
        "answers": {"quality.approach": answer, "quality.delivery": "Phased roll-out over 18 months."},
        "consortium": [],
    }
    payload.update(change)
    return payload


def choose_route(project: Project, officer: User, route: str) -> None:
    """Record a new route choice for the project (the latest decides its tenders' procedure)."""
    from civicpact.appraisal.models import RouteChoice

    latest = project.route_choices.first()
    RouteChoice.objects.create(
        project=project,
        facts=latest.facts,
        recommended_route=latest.recommended_route,
        rule=latest.rule,
        chosen_route=route,
        reason=f"Chosen for the test: {route}.",
        decided_by=officer,
    )


@pytest.fixture
def procurement_project(officer: User) -> Project:
    """The demo lighting project with its term-sheet gaps closed and its structuring gate approved, tendered in a
    single stage (its demo route is a competitive dialogue: tests of stages choose their own route)."""
    from civicpact.appraisal import services as appraisal
    from civicpact.pipeline import services as pipeline

    project = Project.objects.get(title="Smart street lighting and sensor network")
    latest = project.term_sheets.first()
    appraisal.terms_save(
        actor=officer,
        project_id=project.pk,
        expected_version=latest.version,
        terms={
            **latest.terms,
            "data_ownership": "city",
            "exit_plan": True,
            "hand_back_conditions": "Working order",
            "technology_refresh_clause": True,
            "deduction_cap_percent": "20",
            "data_licence": "Perpetual licence",
        },
    )
    pipeline.gate_decide(
        actor=officer, project_id=project.pk, decision="approve", expected_stage="structuring", reasons="Ready."
    )
    project.refresh_from_db()
    choose_route(project, officer, "open_tender")
    return project


@pytest.fixture
def draft(officer: User, procurement_project: Project) -> Any:
    from civicpact.tendering import services

    return services.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields())


@pytest.fixture
def tender(officer: User, draft: Any) -> Any:
    from civicpact.tendering import services

    return services.tender_publish(actor=officer, tender_id=draft.pk, expected_version=draft.version)


@pytest.fixture
def second_supplier(city: Any, officer: User) -> User:
    """A user of a second, verified supplier."""
    from civicpact.accounts import services

    organisation, user = services.supplier_register(
        actor=None,
        name="Brightway Services",
        legal_name="Brightway Services S.A.",
        country="PT",
        registration_number="BW-2207",
        is_sme=False,
        contact_name="Bea Bright",
        contact_email="bids@brightway.example",
        contact_phone="+351 200 000 000",
        username="brightway",
        password="a-long-enough-password-2026",
        full_name="Bea Bright",
    )
    services.supplier_decide(actor=officer, organisation_id=organisation.pk, approve=True)
    return user


@pytest.fixture
def committee(city: Any, evaluator: User) -> list[User]:
    """Three evaluators: the demo's and two more."""
    from civicpact.accounts import services
    from civicpact.accounts.models import Organisation, Role

    unit = Organisation.objects.get(name="Procurement and PPP Unit")
    members = [evaluator]
    for name in ("eva2", "eva3"):
        user = services.user_create(actor=None, username=name, password="a-long-enough-password-2026", validate=False)
        services.membership_grant(actor=None, user=user, organisation=unit, role=Role.EVALUATOR)
        members.append(user)
    return members


@pytest.fixture
def opened(tender: Any, supplier: User, second_supplier: User, officer: User, committee: list[User]) -> Any:
    """Two bids (Lumen Grid at 14.5M, Brightway at 12.9M), the opening recorded, three evaluators appointed."""
    import time_machine

    from civicpact.tendering import evaluation, services

    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload(price="14500000"))
    services.bid_submit(
        actor=second_supplier, tender_id=tender.pk, payload=bid_payload(answer="LED swap", price="12900000")
    )
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1)):
        services.tender_open(actor=officer, tender_id=tender.pk)
    evaluation.committee_assign(actor=officer, tender_id=tender.pk, evaluator_ids=[u.pk for u in committee])
    tender.refresh_from_db()
    return tender
