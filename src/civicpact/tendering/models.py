"""Tenders, sealed bids and their openings, and clarifications.

A bid's contents exist only as ciphertext (BidVersion.sealed); nothing here stores them in the clear. The
tender's data key is stored only wrapped by the master key (see sealing.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.accounts.models import Organisation
from civicpact.domain.tendering import PROCEDURE_LABELS, STAGE_LABELS, Procedure, Stage
from civicpact.ledger.models import AppendOnlyModel
from civicpact.pipeline.models import Project

USER = settings.AUTH_USER_MODEL
PROCEDURE_CHOICES = [(p.value, PROCEDURE_LABELS[p]) for p in Procedure]
STAGE_CHOICES = [(s.value, STAGE_LABELS[s]) for s in Stage]


class SwissRule(models.TextChoices):
    MATCH = "match", _("The proponent may match the best competing offer")
    BONUS = "bonus", _("The proponent gets a bonus in points")


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published: open for bids")
    OPENED = "opened", _("Bids opened: under evaluation")
    AWARDED = "awarded", _("Awarded: standstill")
    COMPLETED = "completed", _("Stage completed: suppliers kept for the next stage")
    CANCELLED = "cancelled", _("Cancelled")


OPENED_ONWARDS = (TenderStatus.OPENED, TenderStatus.AWARDED, TenderStatus.COMPLETED)  # bids readable (as allowed)
CLOSED = (TenderStatus.AWARDED, TenderStatus.COMPLETED, TenderStatus.CANCELLED)  # evaluation concluded or stopped


class TenderQuerySet(models.QuerySet["Tender"]):
    def published(self) -> TenderQuerySet:
        """Tenders anyone may see: published, and everything after (never drafts)."""
        return self.exclude(status=TenderStatus.DRAFT)


class Tender(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tenders", help_text="The project.")
    title = models.CharField(max_length=200, help_text="What is being bought.")
    lot = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="The lot, when a project is tendered in lots: one tender per lot, each its own contracting process.",
    )
    ocid = models.CharField(
        max_length=100, blank=True, default="", help_text="The contracting process's ocid (set at publication)."
    )
    description = models.TextField(help_text="Scope, for bidders.")
    requirements = models.TextField(
        blank=True, default="", help_text="Requirements; outcomes to reach for a challenge-based call."
    )
    procedure = models.CharField(max_length=30, choices=PROCEDURE_CHOICES, help_text="From the chosen route.")
    stage = models.CharField(
        max_length=30, choices=STAGE_CHOICES, default=Stage.SINGLE, help_text="This tender's stage of the procedure."
    )
    previous_stage = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_stages",
        help_text="The stage whose kept suppliers are invited to this one (none for a first stage).",
    )
    keep = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many suppliers a stage that ends in a down-selection keeps."
    )
    phase_payment = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Paid to each supplier kept at the end of a pre-commercial procurement phase.",
    )
    proponent = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A Swiss challenge's proponent: the supplier whose unsolicited proposal is challenged.",
    )
    proposal_summary = models.TextField(
        blank=True, default="", help_text="The proponent's proposal as published for competing offers."
    )
    swiss_rule = models.CharField(
        max_length=10, choices=SwissRule.choices, blank=True, default="", help_text="A Swiss challenge's rule."
    )
    swiss_bonus = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, help_text="Points added to the proponent's total (bonus rule)."
    )
    match_days = models.PositiveIntegerField(
        default=10, help_text="Days the proponent has to match the best competing offer (match rule)."
    )
    status = models.CharField(
        max_length=20, choices=TenderStatus.choices, default=TenderStatus.DRAFT, help_text="Where the tender is."
    )
    value_estimate = models.DecimalField(
        max_digits=16, decimal_places=2, help_text="Estimated value, in the city's currency."
    )
    criteria = models.JSONField(
        default=list, help_text="Evaluation criteria tree with weights, as in schemas/score.schema.json."
    )
    price_formula = models.CharField(max_length=30, default="lowest_relative", help_text="Price-scoring formula.")
    eligibility = models.JSONField(default=list, help_text="Pass/fail eligibility requirements, one text each.")
    publication_date = models.DateTimeField(help_text="When it is published.")
    clarification_deadline = models.DateTimeField(help_text="Last moment to ask a question.")
    submission_deadline = models.DateTimeField(help_text="Last moment to submit a bid.")
    opening_date = models.DateTimeField(help_text="When bids are to be opened.")
    evaluation_end = models.DateTimeField(help_text="When evaluation should end (award).")
    standstill_end = models.DateTimeField(help_text="End of the standstill before the contract may be signed.")
    master_key_id = models.CharField(max_length=16, help_text="Fingerprint of the master key wrapping the data key.")
    wrapped_key = models.BinaryField(help_text="The tender's bid-encryption key, encrypted by the master key.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who created it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was created.")
    published_at = models.DateTimeField(null=True, blank=True, help_text="When it was actually published.")
    version = models.PositiveIntegerField(default=1, help_text="Raised by one at every save (optimistic locking).")

    objects: ClassVar[TenderQuerySet] = TenderQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value_estimate__gte=0), name="tender_value_not_negative"),
            models.CheckConstraint(
                condition=Q(submission_deadline__gt=F("publication_date")), name="tender_deadline_after_publication"
            ),
            models.CheckConstraint(condition=Q(phase_payment__gte=0), name="tender_phase_payment_not_negative"),
            models.CheckConstraint(
                condition=Q(swiss_bonus__gte=0, swiss_bonus__lte=100), name="tender_swiss_bonus_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def deadline_passed(self, now: Any) -> bool:
        return bool(now >= self.submission_deadline)

    @property
    def procedure_label(self) -> str:
        return PROCEDURE_LABELS[Procedure(self.procedure)]

    @property
    def first_stage(self) -> Tender:
        first = self
        while first.previous_stage is not None:
            first = first.previous_stage
        return first

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[Stage(self.stage)]

    @property
    def current_award(self) -> Any:
        """The award in force: the latest one not set aside by an upheld complaint."""
        return self.awards.filter(annulment__isnull=True).select_related("bid__supplier").first()


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", pgettext_lazy("bid", "Withdrawn")
    NEEDS_RECONFIRMATION = "needs_reconfirmation", _("Needs re-confirmation: the conditions changed")


class Bid(models.Model):
    """One supplier's bid on a tender; its contents are in its sealed versions."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids", help_text="The tender.")
    supplier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="bids", help_text="The bidding supplier (lead member)."
    )
    status = models.CharField(
        max_length=20, choices=BidStatus.choices, default=BidStatus.SUBMITTED, help_text="Current or withdrawn."
    )
    current_number = models.PositiveIntegerField(default=0, help_text="The current version's number.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="First submission.")
    eligible = models.BooleanField(
        null=True, blank=True, help_text="Pass/fail eligibility after the opening: unset until checked."
    )
    eligibility_note = models.TextField(blank=True, default="", help_text="Why it passed or failed eligibility.")
    price_explanation = models.TextField(
        blank=True, default="", help_text="The bidder's explanation of an abnormally low price, as recorded."
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["tender", "supplier"], name="one_bid_per_supplier")]

    def __str__(self) -> str:
        return f"Bid {self.pk} on {self.tender_id}"


class BidVersion(AppendOnlyModel):
    """Every submission, kept: the ciphertext and its receipt hash, never the contents in the clear."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="versions", help_text="The bid.")
    number = models.PositiveIntegerField(help_text="1 for the first submission, then 2, 3…")
    sealed = models.BinaryField(help_text="AES-GCM ciphertext of the bid (nonce first).")
    receipt = models.CharField(max_length=64, help_text="SHA-256 of the ciphertext, given to the bidder.")
    submitted_at = models.DateTimeField(help_text="Server time of the submission.")
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who submitted.")

    class Meta:
        ordering = ["bid", "number"]
        constraints = [models.UniqueConstraint(fields=["bid", "number"], name="bid_version_unique")]

    def __str__(self) -> str:
        return f"Bid {self.bid_id} v{self.number}"


class Opening(AppendOnlyModel):
    """The recorded opening: who, when and the receipt of every current bid."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="opening", help_text="The tender.")
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who opened.")
    opened_at = models.DateTimeField(help_text="When.")
    bids = models.JSONField(
        blank=True, help_text="[{bid, supplier, number, receipt}] of the bids current at the deadline (may be none)."
    )

    def __str__(self) -> str:
        return f"Opening of {self.tender_id}"


class Amendment(AppendOnlyModel):
    """A change to a published tender's conditions, with its rationale; bids made before it must be re-confirmed."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="amendments", help_text="The tender.")
    rationale = models.TextField(help_text="Why the conditions changed (published).")
    changes = models.JSONField(help_text="{field: [before, after]} of what changed.")
    amended_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who amended.")
    amended_at = models.DateTimeField(help_text="When.")
    bids_invalidated = models.PositiveIntegerField(default=0, help_text="Bids that must be re-confirmed.")

    class Meta:
        ordering = ["amended_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} of {self.tender_id}"


class Clarification(models.Model):
    """A bidder's question and the city's answer, published to all with the asker anonymised."""

    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="clarifications", help_text="The tender."
    )
    asked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who asked (private).")
    question = models.TextField(help_text="The question.")
    asked_at = models.DateTimeField(auto_now_add=True, help_text="When it was asked.")
    answer = models.TextField(blank=True, default="", help_text="The city's answer, published to all bidders.")
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who answered."
    )
    answered_at = models.DateTimeField(null=True, blank=True, help_text="When it was answered.")

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"Question {self.pk} on {self.tender_id}"


class EvaluatorAssignment(models.Model):
    """An evaluator on a tender's evaluation committee."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="evaluators", help_text="The tender.")
    evaluator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="The evaluator.")
    assigned_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who assigned.")
    assigned_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    declared_at = models.DateTimeField(null=True, blank=True, help_text="When conflicts of interest were declared.")
    recused = models.BooleanField(default=False, help_text="Declared a conflict: takes no part in the scoring.")
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When the scores were submitted (locked).")

    class Meta:
        ordering = ["tender", "assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["tender", "evaluator"], name="one_seat_per_evaluator")]

    def __str__(self) -> str:
        return f"{self.evaluator_id} on {self.tender_id}"


class ConflictDeclaration(AppendOnlyModel):
    """An evaluator's declaration about one bidder, made before seeing any bid."""

    assignment = models.ForeignKey(
        EvaluatorAssignment, on_delete=models.PROTECT, related_name="declarations", help_text="The seat."
    )
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", help_text="The bidder.")
    has_conflict = models.BooleanField(help_text="A conflict of interest with this bidder.")
    details = models.TextField(blank=True, default="", help_text="What the conflict is, or any relevant tie.")
    declared_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["assignment", "supplier_id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "supplier"], name="one_declaration_per_bidder")]

    def __str__(self) -> str:
        return f"Declaration {self.pk}"


class Score(models.Model):
    """One evaluator's score of one bid on one criterion, with its justification."""

    assignment = models.ForeignKey(
        EvaluatorAssignment, on_delete=models.PROTECT, related_name="scores", help_text="The evaluator's seat."
    )
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="scores", help_text="The bid.")
    criterion = models.CharField(max_length=100, help_text="The criterion's key.")
    value = models.DecimalField(max_digits=8, decimal_places=2, help_text="On the criterion's scale.")
    justification = models.TextField(help_text="Why this score.")
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change.")

    class Meta:
        ordering = ["assignment", "bid", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "bid", "criterion"], name="one_score_per_cell"),
            models.CheckConstraint(condition=~Q(justification=""), name="score_has_justification"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ConsensusScore(models.Model):
    """The committee's agreed score after moderation (by default the evaluators' mean)."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="consensus", help_text="The bid.")
    criterion = models.CharField(max_length=100, help_text="The criterion's key.")
    value = models.DecimalField(max_digits=8, decimal_places=2, help_text="On the criterion's scale.")
    justification = models.TextField(help_text="The moderation's reasoning.")
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who recorded it.")
    set_at = models.DateTimeField(auto_now=True, help_text="When.")

    class Meta:
        ordering = ["bid", "criterion"]
        constraints = [models.UniqueConstraint(fields=["bid", "criterion"], name="one_consensus_per_cell")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class Award(AppendOnlyModel):
    """The award decision; the contract may be signed only after the standstill without a pending complaint."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="awards", help_text="The tender.")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+", help_text="The winning bid.")
    reasons = models.TextField(help_text="Why this bid wins.")
    ranking = models.JSONField(help_text="The ranking as decided (Ranking.as_dict()).")
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who decided.")
    decided_at = models.DateTimeField(help_text="When.")
    standstill_end = models.DateTimeField(help_text="No contract before this moment.")

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"Award of {self.tender_id}"


class AwardAnnulment(AppendOnlyModel):
    """An award set aside by an upheld complaint: the evaluation is open again."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="annulment", help_text="The award.")
    reason = models.TextField(help_text="Why it was set aside.")
    annulled_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who decided.")
    annulled_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    def __str__(self) -> str:
        return f"Annulment of award {self.award_id}"


class ComplaintStatus(models.TextChoices):
    PENDING = "pending", _("Pending: the contract may not be signed")
    UPHELD = "upheld", _("Upheld: the award is set aside")
    DISMISSED = "dismissed", _("Dismissed")


class Complaint(models.Model):
    """A bidder's complaint during the standstill; while pending, no contract may be signed."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="complaints", help_text="The tender.")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="complaints", help_text="The complainant.")
    lodged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who lodged it.")
    grounds = models.TextField(help_text="What was wrong.")
    evidence = models.TextField(blank=True, default="", help_text="The evidence, or where to find it.")
    remedy = models.TextField(help_text="The remedy sought.")
    lodged_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    status = models.CharField(
        max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.PENDING, help_text="Where it is."
    )
    decision = models.TextField(blank=True, default="", help_text="The decision and its reasons.")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who decided."
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When.")

    class Meta:
        ordering = ["lodged_at", "pk"]

    def __str__(self) -> str:
        return f"Complaint {self.pk} on {self.tender_id}"


class StageResult(AppendOnlyModel):
    """The end of a stage that does not end in an award: the suppliers kept for the next stage, and why."""

    tender = models.OneToOneField(
        Tender, on_delete=models.PROTECT, related_name="stage_result", help_text="The stage."
    )
    kept = models.JSONField(help_text="[{bid, supplier, name, rank, total, payment}] of the suppliers kept.")
    not_kept = models.JSONField(blank=True, help_text="[{bid, supplier, name, rank, reason}] of the others.")
    ranking = models.JSONField(help_text="The stage's ranking (Ranking.as_dict()).")
    reasons = models.TextField(help_text="The decision's reasons (published).")
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who decided.")
    decided_at = models.DateTimeField(help_text="When.")

    def __str__(self) -> str:
        return f"Result of stage {self.tender_id}"

    @property
    def kept_supplier_ids(self) -> set[int]:
        return {int(entry["supplier"]) for entry in self.kept}


class MatchResponse(models.TextChoices):
    PENDING = "", _("Awaiting the proponent")
    MATCHED = "matched", _("Matched: the proponent takes the best competing offer's terms")
    DECLINED = "declined", _("Declined: the best competing offer wins")


class SwissMatch(models.Model):
    """A Swiss challenge's proponent's right to match the best competing offer, within a window."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="swiss_match", help_text="Tender.")
    proponent_bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+", help_text="The proponent's.")
    best_bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+", help_text="Best competing offer.")
    best_price = models.DecimalField(max_digits=16, decimal_places=2, help_text="The price to match.")
    offered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who offered it.")
    offered_at = models.DateTimeField(help_text="When the window opened.")
    deadline = models.DateTimeField(help_text="When the window closes.")
    response = models.CharField(
        max_length=10, choices=MatchResponse.choices, blank=True, default="", help_text="The proponent's answer."
    )
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who answered."
    )
    responded_at = models.DateTimeField(null=True, blank=True, help_text="When.")

    def __str__(self) -> str:
        return f"Right to match on {self.tender_id}"

    def decided(self, now: Any) -> bool:
        """Answered, or the window has closed (silence is a refusal)."""
        return bool(self.response) or now >= self.deadline

    def matched(self) -> bool:
        return self.response == MatchResponse.MATCHED


TENDER_DOCUMENT_TYPES = [
    ("biddingDocuments", _("Bidding documents")),
    ("technicalSpecifications", _("Technical specifications")),
    ("evaluationCriteria", _("Evaluation criteria")),
    ("eligibilityCriteria", _("Eligibility criteria")),
    ("contractDraft", _("Draft contract")),
    ("billOfQuantity", _("Bill of quantities")),
    ("riskProvisions", _("Risk provisions")),
    ("requestForQualification", _("Request for qualification")),
    ("serviceDescription", _("Service description")),
    ("illustration", _("Illustration, map or plan")),
]


class TenderDocument(models.Model):
    """A document the city publishes with a tender (its type from OCDS documentType); added to a published
    tender only by an amendment."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="documents", help_text="The tender.")
    title = models.CharField(max_length=200, help_text="What the document is.")
    document_type = models.CharField(max_length=40, choices=TENDER_DOCUMENT_TYPES, help_text="OCDS documentType code.")
    file = models.FileField(upload_to="tenders/%Y/%m/", help_text="The file.")
    content_type = models.CharField(max_length=100, help_text="The file's media type, as uploaded.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file, published with it.")
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who uploaded it.")
    uploaded_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ProposalStatus(models.TextChoices):
    RECEIVED = "received", _("Received: under assessment")
    ACCEPTED = "accepted", _("Accepted: to be challenged (Swiss challenge)")
    DECLINED = "declined", _("Declined")


class UnsolicitedProposal(models.Model):
    """A supplier's own proposal of a project. Private to the proponent and the city until accepted; accepted,
    it becomes a need and a project whose tender is a Swiss challenge with the proponent named."""

    proponent = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="proposals", help_text="The proposing supplier."
    )
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who submitted.")
    submitted_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    title = models.CharField(max_length=200, help_text="The proposed project.")
    need_addressed = models.TextField(help_text="The city's problem it solves.")
    summary = models.TextField(help_text="What is proposed, publishable if challenged (no trade secrets).")
    value_estimate = models.DecimalField(max_digits=16, decimal_places=2, help_text="Estimated total value.")
    duration_years = models.PositiveSmallIntegerField(help_text="Proposed term, in years.")
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.RECEIVED, help_text="Where it is."
    )
    decision = models.TextField(blank=True, default="", help_text="The city's reasons.")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who decided."
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When.")
    project = models.OneToOneField(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unsolicited_proposal",
        help_text="The project it became, once accepted.",
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value_estimate__gte=0), name="proposal_value_not_negative"),
            models.CheckConstraint(condition=Q(duration_years__gte=1), name="proposal_at_least_a_year"),
        ]

    def __str__(self) -> str:
        return self.title
