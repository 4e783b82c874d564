"""The domain's labels as the pages show them, in the reader's language.

`civicpact/domain/` stays free of Django, so its English labels are repeated here marked for translation (the
contracts catalogue holds their French); tests/i18n/test_contracts_fr.py checks that the English words here stay
the domain's own. The API and OCDS keep using the domain's labels and codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.domain.contracts import Authority, MilestoneKind, PartyRole, Rationale
from civicpact.domain.governance import (
    BodyKind,
    Cadence,
    DecisionStatus,
    DisputeStatus,
    ExitCategory,
    ExitItemStatus,
    Level,
)
from civicpact.domain.structuring import PartnershipModel

PARTY_ROLE_LABELS = {
    PartyRole.CITY: _("The city (buyer and payer)"),
    PartyRole.PARTNER: _("Partner (private party, paid under the contract)"),
    PartyRole.GUARANTOR: _("Guarantor"),
}
RATIONALE_LABELS = {
    Rationale.INITIAL: _("Initial version"),
    Rationale.DRAFT_REVISION: _("Revision of the draft before signature"),
    Rationale.SCOPE_CHANGE: _("Change of scope or service levels"),
    Rationale.PRICE_CHANGE: _("Change of price or payment mechanism"),
    Rationale.TIME_EXTENSION: _("Extension or change of the term"),
    Rationale.PARTNER_CHANGE: _("Change of partner, guarantor or shareholding"),
    Rationale.REFINANCING: _("Refinancing"),
    Rationale.INDEXATION: _("Indexation under the contract's formula"),
    Rationale.CORRECTION: _("Correction of an error"),
}
MILESTONE_LABELS = {
    MilestoneKind.MOBILISATION: _("Mobilisation"),
    MilestoneKind.KNOWLEDGE_TRANSFER: _("Knowledge transfer"),
    MilestoneKind.SYSTEM_MIGRATION: _("System migration"),
    MilestoneKind.STAFF_TRANSITION: _("Staff transition"),
    MilestoneKind.GO_LIVE: _("Go-live"),
    MilestoneKind.DELIVERY: _("Other deliverable"),
}
AUTHORITY_LABELS = {
    Authority.CONTRACT_MANAGER: _("the contract manager"),
    Authority.PPP_UNIT: _("the PPP unit"),
    Authority.COUNCIL: _("the council (an administrator records its decision)"),
}
MODEL_LABELS = {
    PartnershipModel.CONCESSION_BOT: _("Concession / BOT"),
    PartnershipModel.MANAGED_SERVICES: _("Managed services"),
    PartnershipModel.JOINT_VENTURE: _("Joint venture"),
    PartnershipModel.ALLIANCE: _("Alliance"),
    PartnershipModel.DATA_PARTNERSHIP: _("Data partnership"),
}
LEVEL_LABELS = {
    Level.OPERATIONAL: _("Operational (the contract managers)"),
    Level.STEERING: _("Steering committee"),
    Level.EXPERT: _("Expert determination"),
    Level.ARBITRATION: _("Arbitration"),
}
DISPUTE_STATUS_LABELS = {
    DisputeStatus.OPEN: pgettext_lazy("dispute", "Open"),
    DisputeStatus.RESOLVED: pgettext_lazy("dispute", "Resolved"),
    DisputeStatus.WITHDRAWN: _("Withdrawn by the party that raised it"),
}
BODY_LABELS = {
    BodyKind.EXECUTIVE_STEERING: _("Executive steering committee"),
    BodyKind.OPERATIONAL_MANAGEMENT: _("Operational management group"),
    BodyKind.TECHNICAL_OVERSIGHT: _("Technical oversight board"),
    BodyKind.FINANCIAL_OVERSIGHT: _("Financial oversight board"),
}
CADENCE_LABELS = {
    Cadence.MONTHLY: pgettext_lazy("cadence", "Monthly"),
    Cadence.BIMONTHLY: _("Every two months"),
    Cadence.QUARTERLY: pgettext_lazy("cadence", "Quarterly"),
    Cadence.HALF_YEARLY: _("Every six months"),
    Cadence.YEARLY: pgettext_lazy("cadence", "Yearly"),
}
DECISION_STATUS_LABELS = {
    DecisionStatus.OPEN: pgettext_lazy("decision", "Open"),
    DecisionStatus.DONE: pgettext_lazy("decision", "Done"),
    DecisionStatus.CANCELLED: pgettext_lazy("decision", "Cancelled"),
}
EXIT_CATEGORY_LABELS = {
    ExitCategory.DATA: _("Data returned in open formats"),
    ExitCategory.KNOWLEDGE: _("Knowledge transferred back"),
    ExitCategory.ASSETS: _("Asset condition survey"),
    ExitCategory.TRANSITION: _("Transition to the next provider"),
    ExitCategory.LICENCES: _("Licences and intellectual property"),
    ExitCategory.STAFF: _("Staff"),
}
EXIT_STATUS_LABELS = {
    ExitItemStatus.PLANNED: pgettext_lazy("exit item", "Planned"),
    ExitItemStatus.IN_PROGRESS: pgettext_lazy("exit item", "In progress"),
    ExitItemStatus.SUBMITTED: _("Submitted: awaiting the city's acceptance"),
    ExitItemStatus.ACCEPTED: _("Accepted by the city"),
    ExitItemStatus.RETURNED: _("Returned by the city: to be done again"),
}
# contracts.models.MECHANISM_LABELS holds the English words as data; the pages show these
MECHANISM_LABELS_SHOWN = {
    "availability": _("Availability payments"),
    "usage": _("Usage (demand) payments"),
    "milestone": _("Milestone payments"),
    "revenue_share": _("Revenue share"),
}
