"""The demo city, Port Aurelia: one place, idempotent. Later issues add their steps here.

Demo accounts exist only when this seed runs; their password is DEMO_PASSWORD (see README).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from civicpact.accounts import services as accounts
from civicpact.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    OtherKind,
    Role,
    User,
    VerificationStatus,
)

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


USERS = [
    DemoUser("admin", "Ada Administrator", Role.ADMINISTRATOR, CITY),
    DemoUser("lead", "Leonor Lead", Role.DEPARTMENT_LEAD, "Energy and Street Lighting"),
    DemoUser("officer", "Omar Officer", Role.PROCUREMENT_OFFICER, "Procurement and PPP Unit"),
    DemoUser("analyst", "Ana Analyst", Role.FINANCE_ANALYST, "Finance"),
    DemoUser("evaluator", "Eve Evaluator", Role.EVALUATOR, "Procurement and PPP Unit"),
    DemoUser("manager", "Marco Manager", Role.CONTRACT_MANAGER, "Energy and Street Lighting"),
    DemoUser("auditor", "Aurora Auditor", Role.AUDITOR, "Office of the City Auditor"),
    DemoUser("supplier", "Sam Supplier", Role.SUPPLIER_USER, "Lumen Grid"),
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


def seed_demo_city(progress: Progress = _no_progress) -> dict[str, int]:
    """Create what is missing of the demo city; running it twice changes nothing the second time."""
    steps: list[tuple[str, Callable[[], object]]] = []
    city_holder: dict[str, Organisation] = {}

    def make_city() -> None:
        city_holder["city"] = _organisation(CITY, OrganisationKind.CITY)

    steps.append(("the city", make_city))
    for name in DEPARTMENTS:
        steps.append(
            (
                f"department: {name}",
                lambda name=name: _organisation(  # type: ignore[misc]
                    name, OrganisationKind.DEPARTMENT, parent=city_holder["city"]
                ),
            )
        )
    steps.append(
        (
            "the civic tech association",
            lambda: _organisation(
                "Aurelia Open Data Association", OrganisationKind.OTHER, other_kind=OtherKind.CIVIL_SOCIETY
            ),
        )
    )
    steps.append(
        (
            "the university lab",
            lambda: _organisation("Aurelia Urban Systems Lab", OrganisationKind.OTHER, other_kind=OtherKind.RESEARCH),
        )
    )
    for item in USERS:
        if item.role != Role.SUPPLIER_USER:
            steps.append((f"user: {item.username}", lambda item=item: _user(item)))  # type: ignore[misc]
    for supplier in SUPPLIERS:
        steps.append(
            (
                f"supplier: {supplier.name}",
                lambda s=supplier: _supplier(  # type: ignore[misc]
                    s, User.objects.filter(username="officer").first()
                ),
            )
        )
    for item in USERS:
        if item.role == Role.SUPPLIER_USER:
            steps.append((f"user: {item.username}", lambda item=item: _user(item)))  # type: ignore[misc]

    total = len(steps)
    for done, (label, step) in enumerate(steps):
        progress(done, total, f"Creating {label}")
        with transaction.atomic():
            step()
    progress(total, total, "The demo city is ready")
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "steps": total,
    }
