"""Contracts and their versions, signatures and documents.

A contract's terms are in its versions (append-only): the first from the award or entered directly, then one per
amendment with a rationale from a fixed list. A version is in force once every party to it has signed; earlier
versions stay readable.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.accounts.models import Organisation
from civicpact.contracts.labels import (
    BODY_LABELS,
    CADENCE_LABELS,
    DECISION_STATUS_LABELS,
    DISPUTE_STATUS_LABELS,
    EXIT_CATEGORY_LABELS,
    EXIT_STATUS_LABELS,
    LEVEL_LABELS,
    MECHANISM_LABELS_SHOWN,
    MILESTONE_LABELS,
    MODEL_LABELS,
    PARTY_ROLE_LABELS,
    RATIONALE_LABELS,
)
from civicpact.domain.contracts import (
    ContractStatus,
    MilestoneKind,
    Party,
    PartyRole,
    Rationale,
    Terms,
)
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
from civicpact.ledger.models import AppendOnlyModel
from civicpact.pipeline.models import Project
from civicpact.tendering.models import Award

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

USER = settings.AUTH_USER_MODEL

STATUS_LABELS = {
    ContractStatus.DRAFT: _("Draft: awaiting signatures"),
    ContractStatus.ACTIVE: _("Signed: in force"),
    ContractStatus.VOID: _("Void: the award was set aside"),
    ContractStatus.TERMINATED: pgettext_lazy("contract", "Terminated"),
    ContractStatus.EXPIRED: _("Expired: the term has ended"),
}
# the English words as data (the portal reads them); the pages show MECHANISM_LABELS_SHOWN, in the reader's language
MECHANISM_LABELS = {
    "availability": "Availability payments",
    "usage": "Usage (demand) payments",
    "milestone": "Milestone payments",
    "revenue_share": "Revenue share",
}
MILESTONE_STATE_LABELS = {
    "accepted": pgettext_lazy("milestone", "accepted"),
    "awaiting acceptance": _("awaiting acceptance"),
    "refused: to be reported again": _("refused: to be reported again"),
    "planned": pgettext_lazy("milestone", "planned"),
}
CONTRACT_DOCUMENT_TYPES = [
    ("contractDraft", _("Draft contract")),
    ("contractSigned", _("Signed contract")),
    ("contractSchedule", _("Schedule")),
    ("contractAnnexe", _("Annex")),
    ("contractGuarantees", _("Guarantees")),
    ("contractSummary", _("Contract summary")),
    ("riskProvisions", _("Risk provisions")),
    ("servicePayments", _("Service payments")),
]


class Contract(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="contracts", help_text="Project.")
    award = models.OneToOneField(
        Award,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract",
        help_text="The award it follows (none for a PPP signed before CivicPact).",
    )
    status = models.CharField(
        max_length=20,
        choices=[(s.value, STATUS_LABELS[s]) for s in ContractStatus],
        default=ContractStatus.DRAFT,
        help_text="Where the contract is.",
    )
    entered_directly = models.BooleanField(default=False, help_text="Entered for a PPP signed before CivicPact.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who created it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    version = models.PositiveIntegerField(default=1, help_text="The latest version's number (optimistic locking).")
    in_force = models.PositiveIntegerField(
        null=True, blank=True, help_text="The number of the version in force: the latest signed by every party."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(award__isnull=False) | Q(entered_directly=True), name="contract_has_origin"
            )
        ]

    def __str__(self) -> str:
        latest = self.versions.order_by("-number").first()
        return latest.title if latest else f"Contract {self.pk}"

    @property
    def ocds_id(self) -> str:
        return f"contract-{self.pk}"

    @property
    def latest(self) -> ContractVersion:
        return self.versions.order_by("-number").first()  # type: ignore[return-value]

    @property
    def current(self) -> ContractVersion | None:
        """The version in force, if any."""
        return self.versions.filter(number=self.in_force).first() if self.in_force else None


class ContractVersion(AppendOnlyModel):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="versions", help_text="Contract.")
    number = models.PositiveIntegerField(help_text="1, 2, 3…")
    title = models.CharField(max_length=200, help_text="The contract's title.")
    description = models.TextField(blank=True, default="", help_text="What the contract is for.")
    value = models.DecimalField(max_digits=16, decimal_places=2, help_text="Total value over the term.")
    start_date = models.DateField(help_text="First day of the term.")
    end_date = models.DateField(help_text="Last day of the term.")
    partnership_model = models.CharField(
        max_length=30, choices=[(m.value, MODEL_LABELS[m]) for m in PartnershipModel], help_text="The model."
    )
    payment_mechanisms = models.JSONField(help_text="Payment mechanisms (availability, usage, milestone, …).")
    parties = models.JSONField(help_text="[{organisation, name, role}] of the parties to this version.")
    rationale = models.CharField(
        max_length=30, choices=[(r.value, RATIONALE_LABELS[r]) for r in Rationale], help_text="Why this version."
    )
    details = models.TextField(blank=True, default="", help_text="What changed and why, in words.")
    changes = models.JSONField(default=list, blank=True, help_text="The fields this version changed.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who made it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="contract_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def terms(self) -> Terms:
        return Terms(
            title=self.title,
            description=self.description,
            value=Decimal(self.value),
            start=self.start_date,
            end=self.end_date,
            partnership_model=self.partnership_model,
            payment_mechanisms=tuple(self.payment_mechanisms),
            parties=self.party_list(),
        )

    def party_list(self) -> tuple[Party, ...]:
        return tuple(Party(int(p["organisation"]), str(p["name"]), PartyRole(p["role"])) for p in self.parties)

    def signed_by(self) -> dict[int, Signature]:
        return {s.organisation_id: s for s in self.signatures.select_related("recorded_by")}

    @property
    def party_rows(self) -> list[dict[str, Any]]:
        """For templates: each party with its role's label and its signature (or None)."""
        signed = self.signed_by()
        return [
            {
                **p,
                "role_label": PARTY_ROLE_LABELS[PartyRole(p["role"])],
                "signature": signed.get(int(p["organisation"])),
            }
            for p in self.parties
        ]

    @property
    def mechanism_labels(self) -> list[StrOrPromise]:
        return [MECHANISM_LABELS_SHOWN.get(m, m) for m in self.payment_mechanisms]


class Signature(AppendOnlyModel):
    """A party's signature of a version: by its own user, or recorded by the city (e.g. a wet-ink signature)."""

    version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, related_name="signatures", help_text="The version signed."
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", help_text="Party.")
    signatory_name = models.CharField(max_length=200, help_text="Who signed for the party.")
    signatory_title = models.CharField(max_length=200, blank=True, default="", help_text="Their capacity.")
    signed_at = models.DateTimeField(help_text="When it was signed.")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it.")
    recorded_at = models.DateTimeField(auto_now_add=True, help_text="When it was recorded.")

    class Meta:
        ordering = ["version", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "organisation"], name="one_signature_per_party_and_version")
        ]

    def __str__(self) -> str:
        return f"{self.signatory_name} for {self.organisation_id}"


class ContractDocument(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents", help_text="Contract.")
    title = models.CharField(max_length=200, help_text="What the document is.")
    document_type = models.CharField(max_length=40, choices=CONTRACT_DOCUMENT_TYPES, help_text="OCDS documentType.")
    file = models.FileField(upload_to="contracts/%Y/%m/", help_text="The file.")
    content_type = models.CharField(max_length=100, help_text="Media type, as uploaded.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file.")
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who uploaded it.")
    uploaded_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ContractParty(models.Model):
    """The parties to a contract's latest version, as rows (to find a partner's contracts)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="party_links", help_text="Contract.")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", help_text="Party.")
    role = models.CharField(
        max_length=20, choices=[(r.value, PARTY_ROLE_LABELS[r]) for r in PartyRole], help_text="Role."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "organisation"], name="contract_party_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.contract_id}"


class Milestone(models.Model):
    """A transition milestone (mobilisation, knowledge transfer, system migration, staff transition, go-live…):
    planned and actual dates, the city's acceptance, and the share of the contract value it releases."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="milestones", help_text="Contract.")
    kind = models.CharField(
        max_length=30, choices=[(k.value, MILESTONE_LABELS[k]) for k in MilestoneKind], help_text="What kind."
    )
    title = models.CharField(max_length=200, help_text="What is to be achieved.")
    planned_date = models.DateField(help_text="When it is planned.")
    actual_date = models.DateField(null=True, blank=True, help_text="When the partner reports it achieved.")
    reported_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who reported it."
    )
    payment_percent = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Share of the contract value paid on acceptance (a schedule adds up to 100).",
    )
    accepted = models.BooleanField(null=True, blank=True, help_text="The city's decision: unset until decided.")
    decision_note = models.TextField(blank=True, default="", help_text="Why it was accepted or refused.")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who decided."
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When.")
    payable = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="Amount payable, fixed at acceptance."
    )

    class Meta:
        ordering = ["contract", "planned_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        """In English words, as the API gives it; `state_label` in the reader's language."""
        if self.accepted:
            return "accepted"
        if self.actual_date and self.accepted is None:
            return "awaiting acceptance"
        if self.accepted is False:
            return "refused: to be reported again"
        return "planned"

    @property
    def state_label(self) -> StrOrPromise:
        return MILESTONE_STATE_LABELS[self.state]


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested: its impact to be assessed")
    ASSESSED = "assessed", _("Assessed: awaiting authorisation")
    AUTHORISED = "authorised", _("Authorised: a new contract version awaits signatures")
    REJECTED = "rejected", pgettext_lazy("change request", "Rejected")


class ChangeRequest(models.Model):
    """A change to a contract in force: requested, its impact on cost, time and risk assessed, authorised by the
    level of the delegation ladder its size needs, and then a new contract version."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="changes", help_text="Contract.")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per contract.")
    title = models.CharField(max_length=200, help_text="The change in a line.")
    description = models.TextField(help_text="What changes and why.")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who asked.")
    requested_for = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="The party asking (city or partner)."
    )
    requested_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    status = models.CharField(
        max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.REQUESTED, help_text="Where it is."
    )
    cost_change = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="Change in the contract's value (±)."
    )
    days_change = models.IntegerField(null=True, blank=True, help_text="Change in the term, in days (±).")
    risk_impact = models.TextField(blank=True, default="", help_text="The impact on the risks and who bears them.")
    authority = models.CharField(max_length=30, blank=True, default="", help_text="Who must authorise it.")
    assessed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who assessed it."
    )
    assessed_at = models.DateTimeField(null=True, blank=True, help_text="When.")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who decided."
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When.")
    decision = models.TextField(blank=True, default="", help_text="The decision's reasons.")
    version = models.ForeignKey(
        ContractVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The contract version it became.",
    )

    class Meta:
        ordering = ["contract", "-number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="change_number_unique")]

    def __str__(self) -> str:
        return f"Change {self.number}: {self.title}"


# --- governance: disputes, bodies and meetings, the end of the term (contracts/governance/) --------------------------


class Versioned(models.Model):
    """Optimistic locking: a write based on an older `version` is refused, naming who changed it and when."""

    version = models.PositiveIntegerField(default=1, help_text="Incremented on every change (optimistic locking).")
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last.")
    updated_at = models.DateTimeField(help_text="When it was last changed.")

    class Meta:
        abstract = True


class Dispute(Versioned):
    """A contract dispute raised by the city or the partner, climbing the escalation ladder one rung at a time."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="disputes", help_text="Contract.")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per contract.")
    subject = models.CharField(max_length=200, help_text="The dispute in a line.")
    description = models.TextField(help_text="What is disputed and why.")
    amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="The amount in question, if any."
    )
    clause = models.CharField(max_length=200, blank=True, default="", help_text="The clause in question, if any.")
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who raised it.")
    raised_for = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="The party that raised it."
    )
    raised_at = models.DateTimeField(help_text="When.")
    level = models.CharField(
        max_length=30, choices=[(lv.value, LEVEL_LABELS[lv]) for lv in Level], help_text="The rung it is at."
    )
    level_reached = models.DateField(help_text="The day it reached its rung.")
    deadline = models.DateField(help_text="The last day its rung has to settle it.")
    failed_to_agree = models.BooleanField(default=False, help_text="Its rung recorded a failure to agree.")
    status = models.CharField(
        max_length=20,
        choices=[(s.value, DISPUTE_STATUS_LABELS[s]) for s in DisputeStatus],
        default=DisputeStatus.OPEN,
        help_text="Open, resolved or withdrawn.",
    )
    outcome = models.TextField(blank=True, default="", help_text="What was agreed or determined.")
    agreed_by = models.CharField(max_length=300, blank=True, default="", help_text="Who agreed or determined it.")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was resolved or withdrawn.")

    class Meta:
        ordering = ["contract", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="dispute_number_unique"),
            models.CheckConstraint(condition=Q(deadline__gte=models.F("level_reached")), name="dispute_deadline_ok"),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.number}: {self.subject}"


class DisputeStep(AppendOnlyModel):
    """One step of a dispute's history: raised, failure to agree, escalated, resolved, withdrawn (append-only)."""

    class Kind(models.TextChoices):
        RAISED = "raised", pgettext_lazy("dispute", "Raised")
        FAILED = "failed_to_agree", _("Failure to agree recorded")
        ESCALATED = "escalated", pgettext_lazy("dispute", "Escalated")
        DISCUSSED = "discussed", _("Discussed at a governance meeting")
        RESOLVED = "resolved", pgettext_lazy("dispute", "Resolved")
        WITHDRAWN = "withdrawn", pgettext_lazy("dispute", "Withdrawn")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="steps", help_text="Dispute.")
    kind = models.CharField(max_length=20, choices=Kind.choices, help_text="What happened.")
    level = models.CharField(
        max_length=30, choices=[(lv.value, LEVEL_LABELS[lv]) for lv in Level], help_text="The rung, after the step."
    )
    deadline = models.DateField(null=True, blank=True, help_text="The rung's deadline, after the step.")
    note = models.TextField(blank=True, default="", help_text="Why, or what was agreed.")
    meeting = models.ForeignKey(
        "Meeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_steps",
        help_text="The governance meeting that discussed it.",
    )
    party = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", help_text="For which party.")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it.")
    at = models.DateTimeField(help_text="When.")

    class Meta:
        ordering = ["dispute", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.level})"


class GovernanceBody(models.Model):
    """A governance body of a contract (executive steering, operational management, technical or financial
    oversight): its cadence and its members."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="bodies", help_text="Contract.")
    kind = models.CharField(
        max_length=30, choices=[(k.value, BODY_LABELS[k]) for k in BodyKind], help_text="Which body."
    )
    name = models.CharField(max_length=200, help_text="Its name.")
    cadence = models.CharField(
        max_length=20, choices=[(c.value, CADENCE_LABELS[c]) for c in Cadence], help_text="How often it meets."
    )
    members = models.JSONField(default=list, blank=True, help_text="[{name, organisation}] of its members.")
    established = models.DateField(help_text="When it was set up (the first meeting is due one period later).")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who set it up.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["contract", "kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="body_name_unique")]

    def __str__(self) -> str:
        return self.name


class Meeting(Versioned):
    """A meeting of a governance body: scheduled, then held with minutes, attendees and decisions."""

    body = models.ForeignKey(GovernanceBody, on_delete=models.PROTECT, related_name="meetings", help_text="Body.")
    date = models.DateField(help_text="When it is (or was) held.")
    held = models.BooleanField(default=False, help_text="It took place (minutes recorded).")
    agenda = models.TextField(blank=True, default="", help_text="What it is to discuss.")
    minutes = models.TextField(blank=True, default="", help_text="The minutes, as text.")
    minutes_document = models.FileField(
        upload_to="governance/%Y/%m/", blank=True, default="", help_text="The minutes, as a document."
    )
    minutes_sha256 = models.CharField(max_length=64, blank=True, default="", help_text="SHA-256 of the document.")
    attendees = models.JSONField(default=list, blank=True, help_text="Who attended, one entry each.")

    class Meta:
        ordering = ["body", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.body} on {self.date.isoformat()}"


class Decision(Versioned):
    """A decision taken at a meeting: an owner, a due date and a status; it may resolve a dispute."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions", help_text="Meeting.")
    text = models.TextField(help_text="What was decided.")
    owner = models.CharField(max_length=200, help_text="Who carries it out (a person or an organisation).")
    due_date = models.DateField(help_text="By when.")
    status = models.CharField(
        max_length=20,
        choices=[(s.value, DECISION_STATUS_LABELS[s]) for s in DecisionStatus],
        default=DecisionStatus.OPEN,
        help_text="Open, done or cancelled.",
    )
    dispute = models.ForeignKey(
        Dispute,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        help_text="The dispute it resolves, if any.",
    )

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ExtensionDecision(AppendOnlyModel):
    """The city's decision to extend the term: it became a contract version (time extension) to be signed."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="extensions", help_text="Contract.")
    previous_end = models.DateField(help_text="The end of the term before the extension.")
    new_end = models.DateField(help_text="The new end of the term.")
    reasons = models.TextField(help_text="Why the city extends the term.")
    contract_version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, related_name="+", help_text="The version it became."
    )
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who decided.")
    decided_at = models.DateTimeField(help_text="When.")

    class Meta:
        ordering = ["contract", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(new_end__gt=models.F("previous_end")), name="extension_ends_later")
        ]

    def __str__(self) -> str:
        return f"Extension to {self.new_end.isoformat()}"


class ExitPlan(Versioned):
    """The exit and hand-back plan at the end of the term: complete when the city has accepted every item."""

    contract = models.OneToOneField(
        Contract, on_delete=models.PROTECT, related_name="exit_plan", help_text="Contract."
    )
    summary = models.TextField(blank=True, default="", help_text="The approach to the hand-back.")
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who started it.")
    started_at = models.DateTimeField(help_text="When.")

    def __str__(self) -> str:
        return f"Exit plan of {self.contract_id}"


class ExitItem(Versioned):
    """An item of the exit plan, in a standard category, owned by the city or the partner."""

    plan = models.ForeignKey(ExitPlan, on_delete=models.PROTECT, related_name="items", help_text="Exit plan.")
    category = models.CharField(
        max_length=20, choices=[(c.value, EXIT_CATEGORY_LABELS[c]) for c in ExitCategory], help_text="Category."
    )
    title = models.CharField(max_length=200, help_text="What is to be handed back or done.")
    owner_party = models.CharField(
        max_length=20,
        choices=[(PartyRole.CITY.value, _("The city")), (PartyRole.PARTNER.value, _("The partner"))],
        help_text="Which party owns it.",
    )
    due_date = models.DateField(help_text="By when.")
    status = models.CharField(
        max_length=20,
        choices=[(s.value, EXIT_STATUS_LABELS[s]) for s in ExitItemStatus],
        default=ExitItemStatus.PLANNED,
        help_text="Where it is.",
    )
    evidence = models.TextField(blank=True, default="", help_text="Evidence that it is done (a note).")
    evidence_document = models.FileField(
        upload_to="governance/%Y/%m/", blank=True, default="", help_text="Evidence as a document."
    )
    evidence_sha256 = models.CharField(max_length=64, blank=True, default="", help_text="SHA-256 of the document.")
    city_note = models.TextField(blank=True, default="", help_text="The city's note on acceptance or return.")

    class Meta:
        ordering = ["plan", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title
