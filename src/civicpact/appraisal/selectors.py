"""Reads of a project's appraisal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext, gettext_lazy

from civicpact.accounts import permissions
from civicpact.appraisal.models import (
    BusinessCase,
    ModelChoice,
    Risk,
    RiskRegister,
    RouteChoice,
    Screening,
    TermSheetVersion,
    VfmRun,
    category_label,
)
from civicpact.domain import risks as risk_math
from civicpact.domain.affordability import (
    AffordabilityResult,
    CommitmentLine,
    CommitmentRegister,
    affordability,
    case_from_business_case,
)
from civicpact.domain.affordability import commitment_register as roll_up
from civicpact.domain.cba import CbaResult, cost_benefit_from_mapping
from civicpact.domain.finance import FinanceInputError
from civicpact.domain.ocds import AllocatedRisk
from civicpact.pipeline.models import Project

IMPACT_THRESHOLDS = (Decimal(10_000), Decimal(100_000), Decimal(500_000), Decimal(2_000_000))


@dataclass(frozen=True)
class AppraisalStatus:
    screening: Screening | None
    model: ModelChoice | None
    route: RouteChoice | None
    risk_count: int
    terms: TermSheetVersion | None


def appraisal_status(*, project: Project) -> AppraisalStatus:
    return AppraisalStatus(
        screening=project.screenings.first(),
        model=project.model_choices.select_related("decided_by").first(),
        route=project.route_choices.select_related("decided_by").first(),
        risk_count=Risk.objects.filter(register__project=project).count(),
        terms=project.term_sheets.first(),
    )


def risk_register(*, project: Project) -> RiskRegister:
    register, _created = RiskRegister.objects.get_or_create(project=project)
    return register


def risk_estimate(risk: Risk) -> risk_math.RiskEstimate:
    return risk_math.RiskEstimate(
        probability=risk.probability,
        cost_min=risk.cost_min,
        cost_most_likely=risk.cost_most_likely,
        cost_max=risk.cost_max,
        distribution=risk_math.Distribution(risk.distribution),
        recurrence=risk_math.Recurrence(risk.once, risk.first_year, risk.last_year),
        share_transferred=risk.share_transferred,
        timing_year=risk.timing_year,
    )


@dataclass(frozen=True)
class RiskRow:
    risk: Risk
    expected: Decimal
    retained: Decimal
    transferred: Decimal
    allocation: str
    ocds_category: str
    ocds_allocation: str
    likelihood: int
    impact: int
    rating: str

    @property
    def allocation_label(self) -> str:
        """Who bears the risk, in the reader's language (`allocation` is the English the API answers)."""
        private = round(self.risk.share_transferred * 100)
        if private == 0:
            return gettext("public authority")
        if private == 100:
            return gettext("private party")
        return gettext("shared (%(private)s/%(public)s)") % {"private": private, "public": 100 - private}

    @property
    def rating_label(self) -> str:
        return str(RATING_NAMES.get(self.rating, self.rating))


RATING_NAMES = {
    "low": gettext_lazy("low"),
    "medium": gettext_lazy("medium"),
    "high": gettext_lazy("high"),
    "extreme": gettext_lazy("extreme"),
}


def risk_rows(*, register: RiskRegister) -> list[RiskRow]:
    rows = []
    for risk in register.risks.all():
        est = risk_estimate(risk)
        likelihood = risk_math.likelihood_band(est.probability)
        impact = risk_math.impact_band(est.cost_most_likely, IMPACT_THRESHOLDS)
        rows.append(
            RiskRow(
                risk,
                risk_math.expected_cost(est),
                risk_math.retained_expected_cost(est),
                risk_math.transferred_expected_cost(est),
                risk_math.allocation_label(est.share_transferred),
                risk_math.ocds_category(risk_math.RiskCategory(risk.category)),
                risk_math.ocds_allocation(est.share_transferred)[0],
                likelihood,
                impact,
                risk_math.rating(likelihood, impact),
            )
        )
    return rows


def risk_allocation_list(*, project: Project) -> tuple[AllocatedRisk, ...]:
    """The project's risk register as a contract allocates it (for the contract's OCDS riskAllocation), in the
    register's order; empty when the project has no register. One query."""
    return tuple(
        AllocatedRisk(
            risk_id=f"risk-{risk.pk}",
            category=risk_math.RiskCategory(risk.category),
            category_label=category_label(risk.category),
            title=risk.title,
            description=risk.description,
            share_transferred=risk.share_transferred,
            reason=risk.allocation_reason,
        )
        for risk in Risk.objects.filter(register__project=project)
    )


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    rating: str
    titles: tuple[str, ...]


def heat_grid(rows: list[RiskRow]) -> list[list[HeatCell]]:
    """Rows from likelihood 5 (top) to 1; columns impact 1 to 5."""
    return [
        [
            HeatCell(
                lik,
                imp,
                risk_math.rating(lik, imp),
                tuple(r.risk.title for r in rows if r.likelihood == lik and r.impact == imp),
            )
            for imp in range(1, 6)
        ]
        for lik in range(5, 0, -1)
    ]


def totals(rows: list[RiskRow]) -> dict[str, Decimal]:
    return {
        "expected": sum((r.expected for r in rows), Decimal(0)),
        "retained": sum((r.retained for r in rows), Decimal(0)),
        "transferred": sum((r.transferred for r in rows), Decimal(0)),
    }


@dataclass(frozen=True)
class BusinessCaseAnalysis:
    """The cost-benefit analysis and the affordability of a business case's inputs (None where not entered)."""

    cba: CbaResult | None
    affordability: AffordabilityResult | None


def business_case_analysis(*, inputs: Mapping[str, Any]) -> BusinessCaseAnalysis:
    """Compute both from saved or proposed inputs; bad input raises ValidationError naming the field
    (`cba.costs.capex`, `affordability.funding[0].rate`)."""
    horizon, rate = int(inputs["horizon"]), float(inputs["discount_rate"])
    cba = affordable = None
    try:
        if inputs.get("cba"):
            section = "cba"
            cba = cost_benefit_from_mapping(
                inputs["cba"], horizon=horizon, discount_rate=rate, mid_year=bool(inputs.get("mid_year"))
            )
        if inputs.get("affordability"):
            section = "affordability"
            affordable = affordability(case_from_business_case(inputs))
    except FinanceInputError as exc:
        raise ValidationError({f"{section}.{exc.field}": str(exc)}) from None
    return BusinessCaseAnalysis(cba=cba, affordability=affordable)


@dataclass(frozen=True)
class CommitmentProject:
    project: Project
    first_calendar_year: int
    total_payments: float
    contingent_maximum_peak: float


def commitment_register(*, from_year: int | None = None) -> tuple[CommitmentRegister, list[CommitmentProject]]:
    """All active projects' business cases rolled into one register, by calendar year, of the long-term payment
    commitments (payments to the partner and the city's own contract costs, as in each case's affordability)
    and contingent liabilities (guarantees)."""
    cases = BusinessCase.objects.select_related("project").filter(project__in=Project.objects.active())
    lines, projects = [], []
    for case in cases.order_by("project__title"):
        project = case.project
        block = case.inputs.get("affordability") or {}
        first = int(block.get("first_calendar_year") or project.planned_procurement_year)
        line = CommitmentLine.from_case(project.title, first, case_from_business_case(case.inputs))
        lines.append(line)
        projects.append(CommitmentProject(project, first, sum(line.payments), max(line.contingent_maximum)))
    return roll_up(lines, from_year=from_year), projects


@dataclass(frozen=True)
class BusinessCaseRow:
    project: Project
    case: BusinessCase
    vfm_mean: float | None
    vfm_percent: float | None
    run_is_current: bool


def business_case_list(*, actor: Any) -> list[BusinessCaseRow]:
    """Active projects' business cases with their latest value for money, for the finance analysts' home page."""
    if not permissions.can_view_all_needs(actor):
        return []
    latest = VfmRun.objects.filter(project=OuterRef("project"), status="done").order_by("-created_at", "-pk")
    cases = list(
        BusinessCase.objects.filter(project__in=Project.objects.active())
        .select_related("project")
        .annotate(latest_run=Subquery(latest.values("pk")[:1]))
        .order_by("project__title")
    )
    runs = VfmRun.objects.in_bulk([c.latest_run for c in cases if c.latest_run])
    rows = []
    for case in cases:
        run = runs.get(case.latest_run)
        result = run.result if run is not None else None
        rows.append(
            BusinessCaseRow(
                project=case.project,
                case=case,
                vfm_mean=result["vfm"]["mean"] if result else None,
                vfm_percent=result["vfm_percent_of_psc"] if result else None,
                run_is_current=run is not None and run.case_version == case.version,
            )
        )
    return rows
