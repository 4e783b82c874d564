"""Needs and challenges, projects with pooled budgets, stage gates, documents and market soundings."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicpact.accounts.models import Organisation
from civicpact.domain.pipeline import GateDecision, Stage
from civicpact.ledger.models import AppendOnlyModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The domain's English labels (domain.pipeline.STAGE_LABELS, GateDecision.label), in the reader's language for the
# pages. OCDS releases and stored texts keep the domain's English ones.
STAGE_NAMES: dict[Stage, StrOrPromise] = {
    Stage.IDEA: _("Idea"),
    Stage.OPPORTUNITY: _("Opportunity assessment"),
    Stage.STRUCTURING: _("Structuring"),
    Stage.PROCUREMENT: _("Procurement"),
    Stage.IMPLEMENTATION: _("Implementation"),
    Stage.CLOSED: _("Evolution / closed"),
}
DECISION_NAMES: dict[GateDecision, StrOrPromise] = {
    GateDecision.APPROVE: _("Approve"),
    GateDecision.SEND_BACK: _("Send back for rework"),
    GateDecision.STOP: _("Stop"),
}
STAGE_CHOICES = [(s.value, STAGE_NAMES[s]) for s in Stage]
DECISION_CHOICES = [(d.value, DECISION_NAMES[d]) for d in GateDecision]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROJECT = "in_project", _("Part of a project")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NeedQuerySet(models.QuerySet["Need"]):
    def open(self) -> NeedQuerySet:
        """Needs not yet taken into a project nor withdrawn."""
        return self.filter(status=NeedStatus.OPEN)

    def search(self, text: str) -> NeedQuerySet:
        """Case-insensitive search in title, problem, outcomes and tags."""
        if not text:
            return self
        return self.filter(
            Q(title__icontains=text)
            | Q(problem_statement__icontains=text)
            | Q(outcomes_sought__icontains=text)
            | Q(tags__icontains=text)
        )


class Need(models.Model):
    """A department's problem, stated as a need or challenge (not a specification)."""

    department = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="needs", help_text="The department that has the need."
    )
    title = models.CharField(max_length=200, help_text="A short name, e.g. 'Cut street-lighting energy by 40%'.")
    problem_statement = models.TextField(help_text="The problem, in the department's words.")
    outcomes_sought = models.TextField(help_text="What success looks like.")
    kpis = models.JSONField(default=list, blank=True, help_text="KPIs the need would move (list of names).")
    indicative_budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
        help_text="Indicative budget the department could commit, in the city's currency.",
    )
    first_year = models.PositiveSmallIntegerField(help_text="First budget year.")
    last_year = models.PositiveSmallIntegerField(help_text="Last budget year.")
    location = models.CharField(max_length=200, blank=True, default="", help_text="Where, e.g. 'citywide'.")
    assets = models.JSONField(default=list, blank=True, help_text="Assets concerned, e.g. 'lighting poles'.")
    sdgs = models.JSONField(default=list, blank=True, help_text="Sustainable Development Goals (numbers 1-17).")
    tags = models.JSONField(default=list, blank=True, help_text="Free tags.")
    status = models.CharField(
        max_length=20,
        choices=NeedStatus.choices,
        default=NeedStatus.OPEN,
        help_text="Open, part of a project, or withdrawn.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who registered the need."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was registered.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When it last changed.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last."
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised by one at every save (optimistic locking).")

    objects: ClassVar[NeedQuerySet] = NeedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(indicative_budget__gte=0), name="need_budget_not_negative"),
            models.CheckConstraint(condition=Q(last_year__gte=F("first_year")), name="need_years_in_order"),
            models.CheckConstraint(condition=~Q(title=""), name="need_has_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def matching_text(self) -> str:
        return f"{self.title}. {self.problem_statement} {self.outcomes_sought}"


class ProjectQuerySet(models.QuerySet["Project"]):
    def active(self) -> ProjectQuerySet:
        """Projects not closed."""
        return self.exclude(stage=Stage.CLOSED)


class Project(models.Model):
    """One or more needs taken forward together, with a pooled budget, through the stage gates."""

    title = models.CharField(max_length=200, help_text="Project name.")
    summary = models.TextField(help_text="What the project will deliver.")
    lead_department = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_projects", help_text="The department that leads."
    )
    stage = models.CharField(
        max_length=30, choices=STAGE_CHOICES, default=Stage.IDEA, help_text="Where the project is in the lifecycle."
    )
    needs_rework = models.BooleanField(default=False, help_text="Sent back at the last gate.")
    planned_procurement_year = models.PositiveSmallIntegerField(help_text="Year the procurement is planned.")
    planned_start_year = models.PositiveSmallIntegerField(help_text="Year the service should start.")
    duration_years = models.PositiveSmallIntegerField(default=1, help_text="Expected contract length in years.")
    ocid = models.CharField(max_length=100, blank=True, default="", help_text="OCDS ocid, once published.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who created the project."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When it last changed.")
    version = models.PositiveIntegerField(default=1, help_text="Raised by one at every save (optimistic locking).")

    objects: ClassVar[ProjectQuerySet] = ProjectQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["planned_procurement_year", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_years__gte=1), name="project_duration_positive"),
            models.CheckConstraint(
                condition=Q(planned_start_year__gte=F("planned_procurement_year")),
                name="project_starts_after_procurement",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stage_label(self) -> str:
        """The stage's name in the reader's language (the domain's `Stage.label` is the English one)."""
        return str(STAGE_NAMES[Stage(self.stage)])


class ProjectNeed(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="project_needs", help_text="The project."
    )
    need = models.OneToOneField(
        Need, on_delete=models.PROTECT, related_name="project_link", help_text="A need joins at most one project."
    )

    def __str__(self) -> str:
        return f"{self.need} → {self.project}"


class BudgetShare(models.Model):
    """One department's contribution to a project's pooled budget."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_shares", help_text="The project."
    )
    department = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="The contributing department."
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=NON_NEGATIVE, help_text="The department's contribution."
    )

    class Meta:
        ordering = ["-amount"]
        constraints = [
            models.UniqueConstraint(fields=["project", "department"], name="budget_share_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_share_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.amount}"


class GateRecord(AppendOnlyModel):
    """A recorded stage-gate decision: who, what, why. Never edited."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="gates", help_text="The project.")
    stage = models.CharField(max_length=30, choices=STAGE_CHOICES, help_text="The stage whose gate this is.")
    decision = models.CharField(max_length=20, choices=DECISION_CHOICES, help_text="Approve, send back or stop.")
    resulting_stage = models.CharField(max_length=30, choices=STAGE_CHOICES, help_text="Stage after the decision.")
    reasons = models.TextField(help_text="Why, in full sentences.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who decided."
    )
    decided_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-decided_at"]
        constraints = [models.CheckConstraint(condition=~Q(reasons=""), name="gate_has_reasons")]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_decision_display()} at {self.get_stage_display()}"


class Document(models.Model):
    """A file attached to a need, a project or a gate decision."""

    need = models.ForeignKey(
        Need,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="The need it belongs to.",
    )
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="The project it belongs to.",
    )
    gate = models.ForeignKey(
        GateRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="The gate decision it supports.",
    )
    title = models.CharField(max_length=200, help_text="What the document is.")
    document_type = models.CharField(
        max_length=50, default="other", help_text="OCDS documentType code, e.g. 'feasibilityStudy'."
    )
    file = models.FileField(upload_to="documents/%Y/%m/", help_text="The file.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who uploaded it."
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False) | Q(project__isnull=False) | Q(gate__isnull=False),
                name="document_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title


class RfiStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Open for responses")
    CLOSED = "closed", _("Closed")


class RfiQuerySet(models.QuerySet["Rfi"]):
    def visible_to_suppliers(self) -> RfiQuerySet:
        """Published or closed requests: suppliers never see drafts."""
        return self.exclude(status=RfiStatus.DRAFT)


class Rfi(models.Model):
    """A market sounding: a request for information that verified suppliers answer."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="rfis", help_text="The project.")
    title = models.CharField(max_length=200, help_text="What the city asks the market.")
    description = models.TextField(help_text="The need and context, for suppliers.")
    questions = models.TextField(blank=True, default="", help_text="Specific questions for suppliers.")
    response_deadline = models.DateTimeField(help_text="Responses are accepted until this moment.")
    status = models.CharField(
        max_length=20, choices=RfiStatus.choices, default=RfiStatus.DRAFT, help_text="Draft, open or closed."
    )
    published_at = models.DateTimeField(null=True, blank=True, help_text="When it was published.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who wrote it."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was written.")

    objects: ClassVar[RfiQuerySet] = RfiQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now: Any) -> bool:
        return self.status == RfiStatus.PUBLISHED and now < self.response_deadline


class Interest(models.IntegerChoices):
    NONE = 0, _("Not interested")
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class RfiResponse(models.Model):
    """One supplier's answer to a market sounding. Visible to the city and that supplier only."""

    rfi = models.ForeignKey(Rfi, on_delete=models.PROTECT, related_name="responses", help_text="The request.")
    supplier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="rfi_responses", help_text="The answering supplier."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who answered."
    )
    interest = models.PositiveSmallIntegerField(choices=Interest.choices, help_text="Interest in the project.")
    capability = models.TextField(help_text="Relevant capability and experience.")
    price_min = models.DecimalField(
        max_digits=14, decimal_places=2, validators=NON_NEGATIVE, help_text="Indicative price range: low end."
    )
    price_max = models.DecimalField(
        max_digits=14, decimal_places=2, validators=NON_NEGATIVE, help_text="Indicative price range: high end."
    )
    questions = models.TextField(blank=True, default="", help_text="The supplier's own questions.")
    submitted_at = models.DateTimeField(auto_now_add=True, help_text="First submitted.")
    updated_at = models.DateTimeField(auto_now=True, help_text="Last changed.")

    class Meta:
        ordering = ["-interest", "supplier__name"]
        constraints = [
            models.UniqueConstraint(fields=["rfi", "supplier"], name="rfi_response_one_per_supplier"),
            models.CheckConstraint(condition=Q(price_max__gte=F("price_min")), name="rfi_price_range_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} on {self.rfi}"
