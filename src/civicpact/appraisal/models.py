"""The appraisal of a project: screening, partnership model, procurement route, risk register, term sheet.

Decisions (screenings, model and route choices, term-sheet versions) are append-only: the newest is the
current one and the history stays. The risk register is edited in place under a register-wide version.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicpact.domain.risks import Distribution, RiskCategory
from civicpact.domain.screening import Outcome
from civicpact.domain.structuring import PartnershipModel, Route, SoleSourceJustification
from civicpact.ledger.models import AppendOnlyModel
from civicpact.pipeline.models import Project

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The domain's English labels (`.label`), in the reader's language for the pages. OCDS releases and the texts
# stored or published (planning documents, a tender's method rationale) keep the domain's English ones.
OUTCOME_NAMES: dict[Outcome, StrOrPromise] = {
    Outcome.PPP_WORTH_PURSUING: _("PPP worth pursuing"),
    Outcome.TRADITIONAL_BETTER: _("Traditional procurement is the better fit"),
    Outcome.NOT_READY: _("Not ready yet"),
}
MODEL_NAMES: dict[PartnershipModel, StrOrPromise] = {
    PartnershipModel.CONCESSION_BOT: _("Concession / BOT"),
    PartnershipModel.MANAGED_SERVICES: _("Managed services"),
    PartnershipModel.JOINT_VENTURE: _("Joint venture"),
    PartnershipModel.ALLIANCE: _("Alliance"),
    PartnershipModel.DATA_PARTNERSHIP: _("Data partnership"),
}
ROUTE_NAMES: dict[Route, StrOrPromise] = {
    Route.OPEN_TENDER: _("Open tender"),
    Route.RESTRICTED_TENDER: _("Restricted tender (with pre-qualification)"),
    Route.COMPETITIVE_DIALOGUE: _("Competitive dialogue / negotiation"),
    Route.MULTI_STAGE: _("Multi-stage selection (shortlist, dialogue, best and final offer)"),
    Route.PRE_COMMERCIAL: _("Pre-commercial procurement (PCP)"),
    Route.INNOVATION_PROCUREMENT: _("Public procurement of innovation (PPI)"),
    Route.CHALLENGE_BASED: _("Challenge-based procurement"),
    Route.LIVING_LAB: _("Living lab pilot"),
    Route.GRANT_PROGRAMME: _("Grant programme"),
    Route.SOLE_SOURCE: _("Sole source (justified)"),
    Route.UNSOLICITED_PROPOSAL: _("Unsolicited proposal (Swiss challenge)"),
}
JUSTIFICATION_NAMES: dict[SoleSourceJustification, StrOrPromise] = {
    SoleSourceJustification.ONLY_ONE_CAPABLE_SUPPLIER: _(
        "Only one supplier can do it (technical reasons or exclusive rights)"
    ),
    SoleSourceJustification.EXTREME_URGENCY: _("Extreme urgency from unforeseeable events"),
    SoleSourceJustification.ADDITIONAL_DELIVERIES: _("Additional deliveries compatible with an existing installation"),
    SoleSourceJustification.NO_SUITABLE_TENDERS: _("No suitable tenders in a previous open procedure"),
    SoleSourceJustification.RESEARCH_AND_DEVELOPMENT_ONLY: _("Purely for research and development"),
}
CATEGORY_NAMES: dict[RiskCategory, StrOrPromise] = {
    RiskCategory.DESIGN: _("Design"),
    RiskCategory.BUILD_INTEGRATION: _("Build integration"),
    RiskCategory.TECHNOLOGY_OBSOLESCENCE: _("Technology obsolescence"),
    RiskCategory.DEMAND_USAGE: _("Demand usage"),
    RiskCategory.AVAILABILITY_PERFORMANCE: _("Availability performance"),
    RiskCategory.CYBER_SECURITY: _("Cyber security"),
    RiskCategory.DATA_PROTECTION: _("Data protection"),
    RiskCategory.REGULATORY_CHANGE_IN_LAW: _("Regulatory change in law"),
    RiskCategory.POLITICAL: _("Political"),
    RiskCategory.FINANCIAL_INTEREST_INFLATION: _("Financial interest inflation"),
    RiskCategory.FORCE_MAJEURE: _("Force majeure"),
    RiskCategory.VENDOR_LOCK_IN: _("Vendor lock in"),
    RiskCategory.EXIT_PORTABILITY: _("Exit portability"),
    RiskCategory.LAND_AVAILABILITY: _("Land availability"),
    RiskCategory.ENVIRONMENTAL: _("Environmental"),
    RiskCategory.COMPLETION: _("Completion"),
    RiskCategory.REVENUE: _("Revenue"),
    RiskCategory.FINANCE_AVAILABILITY: _("Finance availability"),
    RiskCategory.REFINANCING: _("Refinancing"),
    RiskCategory.EARLY_TERMINATION: _("Early termination"),
    RiskCategory.COMPLIANCE: _("Compliance"),
}


def category_label(category: str) -> str:
    """A register category's English name, as OCDS notes carry it (`Cyber security`)."""
    return category.replace("_", " ").capitalize()


OUTCOME_CHOICES = [(o.value, OUTCOME_NAMES[o]) for o in Outcome]
MODEL_CHOICES = [(m.value, MODEL_NAMES[m]) for m in PartnershipModel]
ROUTE_CHOICES = [(r.value, ROUTE_NAMES[r]) for r in Route]
# English on the model: tendering publishes `get_sole_source_justification_display()` in the OCDS rationale
JUSTIFICATION_CHOICES = [("", "—"), *[(j.value, j.label) for j in SoleSourceJustification]]
JUSTIFICATION_FORM_CHOICES = [("", "—"), *[(j.value, JUSTIFICATION_NAMES[j]) for j in SoleSourceJustification]]
CATEGORY_CHOICES = [(c.value, CATEGORY_NAMES[c]) for c in RiskCategory]
DISTRIBUTION_CHOICES = [(Distribution.TRIANGULAR.value, _("Triangular")), (Distribution.PERT.value, "PERT")]
USER = settings.AUTH_USER_MODEL


class Screening(AppendOnlyModel):
    """One version of a project's PPP suitability screening."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="screenings", help_text="Project.")
    version = models.PositiveIntegerField(help_text="1, 2, … per project.")
    answers = models.JSONField(help_text="The answers, as in schemas/screening.schema.json.")
    outcome = models.CharField(max_length=30, choices=OUTCOME_CHOICES, help_text="What the screening concluded.")
    ppp_score = models.PositiveSmallIntegerField(help_text="Weighted PPP score, 0-100.")
    drivers = models.JSONField(default=list, blank=True, help_text="The answers that drove the outcome.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who answered.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="screening_version_unique")]

    def __str__(self) -> str:
        return f"{self.project} screening v{self.version}"


class ModelChoice(AppendOnlyModel):
    """The partnership model chosen, with the considerations, the ranking shown and the officer's reason."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="model_choices", help_text="Project.")
    considerations = models.JSONField(help_text="The considerations entered.")
    ranking = models.JSONField(help_text="The ranking CivicPact computed, best first.")
    chosen_model = models.CharField(max_length=30, choices=MODEL_CHOICES, help_text="The model chosen.")
    reason = models.TextField(help_text="Why this model.")
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who chose.")
    decided_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="model_choice_has_reason")]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_chosen_model_display()}"


class RouteChoice(AppendOnlyModel):
    """The procurement route chosen, with the facts, the recommendation and the rule that fired."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="route_choices", help_text="Project.")
    facts = models.JSONField(help_text="The facts entered.")
    recommended_route = models.CharField(max_length=30, choices=ROUTE_CHOICES, help_text="What the rules recommended.")
    rule = models.TextField(help_text="The rule that fired.")
    chosen_route = models.CharField(max_length=30, choices=ROUTE_CHOICES, help_text="The route chosen.")
    sole_source_justification = models.CharField(
        max_length=40, choices=JUSTIFICATION_CHOICES, blank=True, default="", help_text="Required for sole source."
    )
    reason = models.TextField(help_text="Why this route.")
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who chose.")
    decided_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="route_choice_has_reason"),
            models.CheckConstraint(
                condition=~Q(chosen_route="sole_source") | ~Q(sole_source_justification=""),
                name="sole_source_is_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_chosen_route_display()}"


class RiskRegister(models.Model):
    """The register's head: one version number for all its rows (optimistic locking)."""

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="risk_register", help_text="Project."
    )
    version = models.PositiveIntegerField(default=0, help_text="Raised by one at every change of any row.")
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Who changed it last."
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="When it last changed.")

    def __str__(self) -> str:
        return f"Risk register of {self.project}"


class Risk(models.Model):
    register = models.ForeignKey(RiskRegister, on_delete=models.CASCADE, related_name="risks", help_text="Register.")
    category = models.CharField(max_length=40, choices=CATEGORY_CHOICES, help_text="Risk category (ours).")
    title = models.CharField(max_length=200, help_text="Short name.")
    description = models.TextField(blank=True, default="", help_text="What could happen.")
    probability = models.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)], help_text="Probability per occurrence, 0-1."
    )
    cost_min = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))], help_text="Lowest cost impact."
    )
    cost_most_likely = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))], help_text="Most likely cost."
    )
    cost_max = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))], help_text="Highest cost impact."
    )
    distribution = models.CharField(
        max_length=20,
        choices=DISTRIBUTION_CHOICES,
        default="triangular",
        help_text="Shape of the impact between min and max.",
    )
    once = models.BooleanField(default=True, help_text="Occurs at most once (else possibly every year of a range).")
    timing_year = models.PositiveSmallIntegerField(default=1, help_text="Contract year of a once-off risk.")
    first_year = models.PositiveSmallIntegerField(default=1, help_text="First year it may occur (recurring).")
    last_year = models.PositiveSmallIntegerField(default=1, help_text="Last year it may occur (recurring).")
    share_transferred = models.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the cost borne by the partner, 0-1.",
    )
    allocation_reason = models.TextField(help_text="Why this allocation.")
    mitigation = models.TextField(blank=True, default="", help_text="How it is reduced.")
    owner = models.CharField(max_length=200, blank=True, default="", help_text="Who manages it.")

    class Meta:
        ordering = ["category", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_min__lte=F("cost_most_likely")) & Q(cost_most_likely__lte=F("cost_max")),
                name="risk_costs_in_order",
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1), name="risk_probability_0_1"
            ),
            models.CheckConstraint(
                condition=Q(share_transferred__gte=0) & Q(share_transferred__lte=1), name="risk_share_0_1"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TermSheetVersion(AppendOnlyModel):
    """One saved version of a project's term sheet, with the checker's findings at that time."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="term_sheets", help_text="Project.")
    version = models.PositiveIntegerField(help_text="1, 2, … per project.")
    terms = models.JSONField(help_text="The terms, as in schemas/terms.schema.json.")
    findings = models.JSONField(default=list, blank=True, help_text="Gaps, risks and advice the checker found.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who saved it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When.")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="term_sheet_version_unique")]

    def __str__(self) -> str:
        return f"{self.project} term sheet v{self.version}"

    @property
    def gap_count(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "gap")


class BusinessCase(models.Model):
    """The value-for-money inputs of a project; its risks come from the risk register at each run."""

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="business_case", help_text="Project."
    )
    inputs = models.JSONField(help_text="Horizon, rate and yearly flows, as in schemas/vfm.schema.json (no risks).")
    version = models.PositiveIntegerField(default=1, help_text="Raised by one at every save (optimistic locking).")
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who saved it last.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When.")

    def __str__(self) -> str:
        return f"Business case of {self.project}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("run", "Queued")
    RUNNING = "running", pgettext_lazy("run", "Running")
    DONE = "done", pgettext_lazy("run", "Done")
    FAILED = "failed", pgettext_lazy("run", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("run", "Cancelled")


class VfmRun(models.Model):
    """One Monte Carlo run. A failed run leaves the last successful one as the result shown."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="vfm_runs", help_text="Project.")
    case_version = models.PositiveIntegerField(help_text="Business-case version simulated.")
    case = models.JSONField(help_text="The full case simulated, risks included.")
    iterations = models.PositiveIntegerField(help_text="Monte Carlo iterations.")
    seed = models.BigIntegerField(help_text="Random seed.")
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, help_text="Where the run is."
    )
    done = models.PositiveIntegerField(default=0, help_text="Iterations finished.")
    result = models.JSONField(null=True, blank=True, help_text="The result, once done.")
    error = models.TextField(blank=True, default="", help_text="Why it failed.")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", help_text="Who ran it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was queued.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it ended.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"VfM run {self.pk} of {self.project}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.iterations) if self.iterations else 0
