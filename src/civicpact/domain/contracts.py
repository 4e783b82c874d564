"""Contracts: their terms, parties and versions, checked; and how our vocabulary maps to OCDS.

A contract's terms live in versions: the first from the award (or entered directly for a PPP signed before
CivicPact), each amendment a new version with a rationale from a fixed list; old versions stay readable. A
version is in force once every party to it has signed. Parties: exactly one city (the buyer and payer), at
least one partner (the private party, supplier and payee), any number of guarantors; an organisation appears
once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from civicpact.domain.structuring import PartnershipModel
from civicpact.domain.terms import PaymentMechanism


class PartyRole(StrEnum):
    CITY = "city"
    PARTNER = "partner"
    GUARANTOR = "guarantor"


PARTY_ROLE_LABELS = {
    PartyRole.CITY: "The city (buyer and payer)",
    PartyRole.PARTNER: "Partner (private party, paid under the contract)",
    PartyRole.GUARANTOR: "Guarantor",
}


class Rationale(StrEnum):
    """Why a new version of a contract exists (a fixed list)."""

    INITIAL = "initial"
    DRAFT_REVISION = "draft_revision"
    SCOPE_CHANGE = "scope_change"
    PRICE_CHANGE = "price_change"
    TIME_EXTENSION = "time_extension"
    PARTNER_CHANGE = "partner_change"
    REFINANCING = "refinancing"
    INDEXATION = "indexation"
    CORRECTION = "correction"


RATIONALE_LABELS = {
    Rationale.INITIAL: "Initial version",
    Rationale.DRAFT_REVISION: "Revision of the draft before signature",
    Rationale.SCOPE_CHANGE: "Change of scope or service levels",
    Rationale.PRICE_CHANGE: "Change of price or payment mechanism",
    Rationale.TIME_EXTENSION: "Extension or change of the term",
    Rationale.PARTNER_CHANGE: "Change of partner, guarantor or shareholding",
    Rationale.REFINANCING: "Refinancing",
    Rationale.INDEXATION: "Indexation under the contract's formula",
    Rationale.CORRECTION: "Correction of an error",
}
AMENDMENT_RATIONALES = tuple(r for r in Rationale if r is not Rationale.INITIAL)


class ContractStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    VOID = "void"
    TERMINATED = "terminated"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Party:
    organisation_id: int
    name: str
    role: PartyRole


@dataclass(frozen=True)
class Terms:
    title: str
    description: str
    value: Decimal
    start: date
    end: date
    partnership_model: str
    payment_mechanisms: tuple[str, ...]
    parties: tuple[Party, ...]


def terms_errors(terms: Terms) -> dict[str, str]:
    """Problems by field: empty title, negative value, dates out of order, unknown model or mechanism, parties."""
    errors: dict[str, str] = {}
    if not terms.title.strip():
        errors["title"] = "Give the contract a title"
    if not terms.value.is_finite() or terms.value < 0:
        errors["value"] = "The contract value must be an amount of zero or more"
    if terms.end <= terms.start:
        errors["end"] = f"The contract must end after it starts ({terms.start.isoformat()})"
    if terms.partnership_model not in {m.value for m in PartnershipModel}:
        names = ", ".join(m.value for m in PartnershipModel)
        errors["partnership_model"] = f"Choose the partnership model: one of {names}"
    unknown = [m for m in terms.payment_mechanisms if m not in {p.value for p in PaymentMechanism}]
    if not terms.payment_mechanisms or unknown:
        names = ", ".join(p.value for p in PaymentMechanism)
        errors["payment_mechanisms"] = f"Choose at least one payment mechanism among {names}"
    errors |= party_errors(terms.parties)
    return errors


def party_errors(parties: Sequence[Party]) -> dict[str, str]:
    roles = [p.role for p in parties]
    ids = [p.organisation_id for p in parties]
    if roles.count(PartyRole.CITY) != 1:
        return {"parties": "A contract has exactly one city party (the buyer and payer)"}
    if PartyRole.PARTNER not in roles:
        return {"parties": "A contract needs at least one partner"}
    if len(set(ids)) != len(ids):
        return {"parties": "Each organisation is a party once"}
    return {}


def changed_fields(before: Terms, after: Terms) -> tuple[str, ...]:
    """The fields an amendment changes (parties compared as sets)."""
    names = ("title", "description", "value", "start", "end", "partnership_model", "payment_mechanisms")
    changed = [n for n in names if getattr(before, n) != getattr(after, n)]
    if set(before.parties) != set(after.parties):
        changed.append("parties")
    return tuple(changed)


def unsigned_parties(parties: Sequence[Party], signed: Mapping[int, object]) -> tuple[Party, ...]:
    """The parties that have not signed (signed: organisation id -> signature)."""
    return tuple(p for p in parties if p.organisation_id not in signed)


# --- OCDS -----------------------------------------------------------------------------------------------------------

_OCDS_ROLES = {
    PartyRole.CITY: ("buyer", "payer"),
    PartyRole.PARTNER: ("privateParty", "supplier", "payee"),
    PartyRole.GUARANTOR: ("interestedParty",),
}
_OCDS_STATUS = {
    ContractStatus.DRAFT: "pending",
    ContractStatus.ACTIVE: "active",
    ContractStatus.VOID: "cancelled",
    ContractStatus.TERMINATED: "terminated",
    ContractStatus.EXPIRED: "terminated",
}


def ocds_roles(role: PartyRole) -> tuple[str, ...]:
    """OCDS partyRole codes for our party role (the PPP profile has no guarantor: an interested party)."""
    return _OCDS_ROLES[role]


def ocds_status(status: ContractStatus) -> str:
    """OCDS contractStatus for ours (an expired contract is `terminated`: its term has ended)."""
    return _OCDS_STATUS[status]


# --- transition and milestones ---------------------------------------------------------------------------------------


class MilestoneKind(StrEnum):
    MOBILISATION = "mobilisation"
    KNOWLEDGE_TRANSFER = "knowledge_transfer"
    SYSTEM_MIGRATION = "system_migration"
    STAFF_TRANSITION = "staff_transition"
    GO_LIVE = "go_live"
    DELIVERY = "delivery"  # any other deliverable


MILESTONE_LABELS = {
    MilestoneKind.MOBILISATION: "Mobilisation",
    MilestoneKind.KNOWLEDGE_TRANSFER: "Knowledge transfer",
    MilestoneKind.SYSTEM_MIGRATION: "System migration",
    MilestoneKind.STAFF_TRANSITION: "Staff transition",
    MilestoneKind.GO_LIVE: "Go-live",
    MilestoneKind.DELIVERY: "Other deliverable",
}

# The PPP profile's milestone codes are coarser than our kinds: only mobilisation (the works commence) and go-live
# (the service is commissioned) have one; every transition milestone is a `delivery` milestone.
_MILESTONE_CODES = {MilestoneKind.MOBILISATION: "commencement", MilestoneKind.GO_LIVE: "commissioning"}


def milestone_ocds(kind: MilestoneKind) -> tuple[str, str | None]:
    """OCDS milestone type and code (None when the profile's codelist has none as fine as ours)."""
    return "delivery", _MILESTONE_CODES.get(kind)


@dataclass(frozen=True)
class PlannedMilestone:
    kind: MilestoneKind
    title: str
    planned: date
    payment_percent: Decimal | None = None  # share of the contract value paid on acceptance


def schedule_errors(items: Sequence[PlannedMilestone], start: date, end: date) -> dict[str, str]:
    """A milestone plan: titles, dates within the term, and payment percentages that, where any is given (a
    payment schedule), are each above 0 and add up to exactly 100."""
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        where = f"milestones[{index}]"
        if not item.title.strip():
            errors[where] = "Each milestone needs a title"
        elif not start <= item.planned <= end:
            errors[where] = (
                f"{item.title}: plan it within the contract's term ({start.isoformat()} to {end.isoformat()})"
            )
        elif item.payment_percent is not None and not Decimal(0) < item.payment_percent <= 100:
            errors[where] = f"{item.title}: a payment share must be above 0% and at most 100%"
    if errors:
        return errors
    shares = [i.payment_percent for i in items if i.payment_percent is not None]
    if shares and sum(shares, Decimal(0)) != 100:
        errors["milestones"] = (
            f"The milestone payments add up to {sum(shares, Decimal(0)).normalize():f}%, not 100%: "
            "a payment schedule must add up to 100%"
        )
    return errors


def milestone_payment(value: Decimal, percent: Decimal | None) -> Decimal:
    """What accepting the milestone makes payable, to the cent (half up)."""
    if percent is None:
        return Decimal(0)
    return (value * percent / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


# --- change control ------------------------------------------------------------------------------------------------


class Authority(StrEnum):
    """Who may authorise a change, by its impact: the delegation ladder."""

    CONTRACT_MANAGER = "contract_manager"
    PPP_UNIT = "ppp_unit"
    COUNCIL = "council"


AUTHORITY_LABELS = {
    Authority.CONTRACT_MANAGER: "the contract manager",
    Authority.PPP_UNIT: "the PPP unit",
    Authority.COUNCIL: "the council (an administrator records its decision)",
}


@dataclass(frozen=True)
class Delegation:
    """Up to `manager_amount` (and `manager_days`) a contract manager authorises; up to `unit_amount` (and
    `unit_days`) the PPP unit; above either, the council. Amounts compare with the absolute change in value."""

    manager_amount: Decimal = Decimal(50_000)
    manager_days: int = 30
    unit_amount: Decimal = Decimal(500_000)
    unit_days: int = 180


DEFAULT_DELEGATION = Delegation()


def required_authority(
    cost_change: Decimal, days_change: int, delegation: Delegation = DEFAULT_DELEGATION
) -> Authority:
    """The lowest level allowed to authorise a change of this size (value and term, up or down)."""
    amount, days = abs(cost_change), abs(days_change)
    if amount <= delegation.manager_amount and days <= delegation.manager_days:
        return Authority.CONTRACT_MANAGER
    if amount <= delegation.unit_amount and days <= delegation.unit_days:
        return Authority.PPP_UNIT
    return Authority.COUNCIL


AUTHORITY_ORDER = (Authority.CONTRACT_MANAGER, Authority.PPP_UNIT, Authority.COUNCIL)


def may_authorise(held: Authority, needed: Authority) -> bool:
    return AUTHORITY_ORDER.index(held) >= AUTHORITY_ORDER.index(needed)


def change_rationale(cost_change: Decimal, days_change: int) -> Rationale:
    """The contract version's rationale for an authorised change: the term, else the price, else the scope."""
    if days_change:
        return Rationale.TIME_EXTENSION
    if cost_change:
        return Rationale.PRICE_CHANGE
    return Rationale.SCOPE_CHANGE
