"""The appraisal through the API: the same services as the pages, the same checks and errors."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Body, Field, Router, Schema, Status
from ninja.errors import HttpError

from civicpact.accounts import permissions
from civicpact.appraisal import selectors, services
from civicpact.appraisal.exceptions import AppraisalError
from civicpact.appraisal.models import BusinessCase, Risk, VfmRun
from civicpact.pipeline import selectors as pipeline
from civicpact.pipeline.gates import gate_blockers
from civicpact.pipeline.models import Project

router = Router(tags=["appraisal"])


def _project(request: HttpRequest, project_id: int) -> Project:
    try:
        return pipeline.project_get(actor=request.user, pk=project_id)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


class ScreeningOut(Schema):
    version: int
    answers: dict[str, Any]
    outcome: str
    ppp_score: int
    drivers: list[dict[str, Any]]
    created_at: datetime


class ModelChoiceIn(Schema):
    considerations: dict[str, Any] = Field(
        description="As ModelConsiderations: 0-4 scales, duration_years, data_centric"
    )
    chosen_model: str
    reason: str


class ModelChoiceOut(Schema):
    considerations: dict[str, Any]
    ranking: list[dict[str, Any]]
    chosen_model: str
    reason: str
    decided_at: datetime


class RouteChoiceIn(Schema):
    facts: dict[str, Any]
    chosen_route: str
    sole_source_justification: str = ""
    reason: str


class RouteChoiceOut(Schema):
    facts: dict[str, Any]
    recommended_route: str
    rule: str
    chosen_route: str
    sole_source_justification: str
    reason: str
    decided_at: datetime


class RiskIn(Schema):
    version: int = Field(description="The register version you read; a newer one refuses the change (409).")
    category: str
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    probability: float = Field(ge=0, le=1)
    cost_min: Decimal = Field(ge=0)
    cost_most_likely: Decimal = Field(ge=0)
    cost_max: Decimal = Field(ge=0)
    distribution: str = "triangular"
    once: bool = True
    timing_year: int = 1
    first_year: int = 1
    last_year: int = 1
    share_transferred: float = Field(ge=0, le=1)
    allocation_reason: str
    mitigation: str = ""
    owner: str = ""


class RiskOut(Schema):
    id: int
    category: str
    ocds_category: str
    title: str
    probability: float
    cost_min: Decimal
    cost_most_likely: Decimal
    cost_max: Decimal
    distribution: str
    share_transferred: float
    allocation: str
    ocds_allocation: str
    expected_cost: Decimal
    retained_expected_cost: Decimal
    rating: str


class RegisterOut(Schema):
    version: int
    risks: list[RiskOut]
    expected_cost: Decimal
    retained_expected_cost: Decimal


class TermsIn(Schema):
    version: int = Field(description="The term-sheet version you read (0 for none); a newer one refuses the save.")
    terms: dict[str, Any] = Field(description="As schemas/terms.schema.json")


class TermsOut(Schema):
    version: int
    terms: dict[str, Any]
    findings: list[dict[str, Any]]
    created_at: datetime


class StatusOut(Schema):
    stage: str
    blockers: list[str]
    screening: ScreeningOut | None
    model: ModelChoiceOut | None
    route: RouteChoiceOut | None
    risk_count: int
    terms: TermsOut | None


@router.get("/projects/{project_id}", response=StatusOut, summary="Where the appraisal stands, and gate blockers")
def appraisal_status(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = _project(request, project_id)
    status = selectors.appraisal_status(project=project)
    return {
        "stage": project.stage,
        "blockers": gate_blockers(project),
        "screening": status.screening,
        "model": status.model,
        "route": status.route,
        "risk_count": status.risk_count,
        "terms": status.terms,
    }


@router.post("/projects/{project_id}/screenings", response={201: ScreeningOut}, summary="Record a screening")
def screening_record(request: HttpRequest, project_id: int, payload: Body[dict[str, Any]]) -> Status[Any]:
    _project(request, project_id)
    record = services.screening_record(
        actor=permissions.signed_in_user(request), project_id=project_id, answers=payload
    )
    return Status(201, record)


@router.post("/projects/{project_id}/model-choices", response={201: ModelChoiceOut})
def model_choose(request: HttpRequest, project_id: int, payload: ModelChoiceIn) -> Status[Any]:
    _project(request, project_id)
    choice = services.model_choose(
        actor=permissions.signed_in_user(request),
        project_id=project_id,
        considerations=payload.considerations,
        chosen_model=payload.chosen_model,
        reason=payload.reason,
    )
    return Status(201, choice)


@router.post("/projects/{project_id}/route-choices", response={201: RouteChoiceOut})
def route_choose(request: HttpRequest, project_id: int, payload: RouteChoiceIn) -> Status[Any]:
    _project(request, project_id)
    choice = services.route_choose(
        actor=permissions.signed_in_user(request),
        project_id=project_id,
        facts=payload.facts,
        chosen_route=payload.chosen_route,
        sole_source_justification=payload.sole_source_justification,
        reason=payload.reason,
    )
    return Status(201, choice)


def _register(project: Project) -> dict[str, Any]:
    register = selectors.risk_register(project=project)
    rows = selectors.risk_rows(register=register)
    totals = selectors.totals(rows)
    return {
        "version": register.version,
        "risks": [
            {
                "id": r.risk.pk,
                "category": r.risk.category,
                "ocds_category": r.ocds_category,
                "title": r.risk.title,
                "probability": r.risk.probability,
                "cost_min": r.risk.cost_min,
                "cost_most_likely": r.risk.cost_most_likely,
                "cost_max": r.risk.cost_max,
                "distribution": r.risk.distribution,
                "share_transferred": r.risk.share_transferred,
                "allocation": r.allocation,
                "ocds_allocation": r.ocds_allocation,
                "expected_cost": r.expected,
                "retained_expected_cost": r.retained,
                "rating": r.rating,
            }
            for r in rows
        ],
        "expected_cost": totals["expected"],
        "retained_expected_cost": totals["retained"],
    }


@router.get("/projects/{project_id}/risks", response=RegisterOut, summary="The risk register with expected costs")
def risk_list(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return _register(_project(request, project_id))


def _save_risk(request: HttpRequest, project_id: int, payload: RiskIn, risk_id: int | None) -> dict[str, Any]:
    project = _project(request, project_id)
    data = payload.dict()
    version = data.pop("version")
    try:
        services.risk_save(
            actor=permissions.signed_in_user(request),
            project_id=project.pk,
            expected_version=version,
            risk_id=risk_id,
            **data,
        )
    except AppraisalError as exc:
        raise HttpError(409, str(exc)) from None
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None
    return _register(project)


@router.post("/projects/{project_id}/risks", response={201: RegisterOut}, summary="Add a risk")
def risk_add(request: HttpRequest, project_id: int, payload: RiskIn) -> Status[Any]:
    return Status(201, _save_risk(request, project_id, payload, None))


@router.put("/projects/{project_id}/risks/{risk_id}", response=RegisterOut, summary="Change a risk")
def risk_update(request: HttpRequest, project_id: int, risk_id: int, payload: RiskIn) -> dict[str, Any]:
    return _save_risk(request, project_id, payload, risk_id)


@router.delete("/projects/{project_id}/risks/{risk_id}", response=RegisterOut, summary="Remove a risk")
def risk_remove(request: HttpRequest, project_id: int, risk_id: int, version: int) -> dict[str, Any]:
    project = _project(request, project_id)
    try:
        services.risk_delete(
            actor=permissions.signed_in_user(request), project_id=project.pk, expected_version=version, risk_id=risk_id
        )
    except AppraisalError as exc:
        raise HttpError(409, str(exc)) from None
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None
    return _register(project)


@router.put("/projects/{project_id}/terms", response=TermsOut, summary="Save and check the term sheet")
def terms_save(request: HttpRequest, project_id: int, payload: TermsIn) -> Any:
    _project(request, project_id)
    try:
        return services.terms_save(
            actor=permissions.signed_in_user(request),
            project_id=project_id,
            terms=payload.terms,
            expected_version=payload.version,
        )
    except AppraisalError as exc:
        raise HttpError(409, str(exc)) from None


class BusinessCaseIn(Schema):
    version: int = Field(description="The version you read (0 for none); a newer one refuses the save (409).")
    inputs: dict[str, Any] = Field(
        description="As schemas/vfm.schema.json, without risks (they come from the register)"
    )


class BusinessCaseOut(Schema):
    version: int
    inputs: dict[str, Any]
    updated_at: datetime


class RunIn(Schema):
    iterations: int = Field(100_000, description="1,000 up to the server's CIVICPACT_MAX_ITERATIONS")
    seed: int = Field(20261124, ge=0)


class RunOut(Schema):
    id: int
    status: str
    iterations: int
    seed: int
    done: int
    case_version: int
    result: dict[str, Any] | None
    error: str


@router.get("/projects/{project_id}/business-case", response=BusinessCaseOut)
def business_case_get(request: HttpRequest, project_id: int) -> Any:
    project = _project(request, project_id)
    case = BusinessCase.objects.filter(project=project).first()
    if case is None:
        raise Http404("No business case yet.")
    return case


@router.put("/projects/{project_id}/business-case", response=BusinessCaseOut, summary="Save the VfM inputs")
def business_case_put(request: HttpRequest, project_id: int, payload: BusinessCaseIn) -> Any:
    _project(request, project_id)
    try:
        return services.business_case_save(
            actor=permissions.signed_in_user(request),
            project_id=project_id,
            inputs=payload.inputs,
            expected_version=payload.version,
        )
    except AppraisalError as exc:
        raise HttpError(409, str(exc)) from None


@router.post(
    "/projects/{project_id}/business-case/runs",
    response={202: RunOut},
    summary="Queue a Monte Carlo run on the background worker",
)
def business_case_run(request: HttpRequest, project_id: int, payload: RunIn) -> Status[Any]:
    _project(request, project_id)
    run = services.vfm_run_start(
        actor=permissions.signed_in_user(request),
        project_id=project_id,
        iterations=payload.iterations,
        seed=payload.seed,
    )
    return Status(202, run)


@router.post(
    "/projects/{project_id}/business-case/runs/{run_id}/cancel",
    response=RunOut,
    summary="Cancel a queued or running run (earlier results stay)",
)
def business_case_run_cancel(request: HttpRequest, project_id: int, run_id: int) -> Any:
    _project(request, project_id)
    try:
        return services.vfm_run_cancel(actor=permissions.signed_in_user(request), project_id=project_id, run_id=run_id)
    except VfmRun.DoesNotExist:
        raise Http404("No such run.") from None
    except AppraisalError as exc:
        raise HttpError(409, str(exc)) from None


@router.get("/projects/{project_id}/business-case/runs/{run_id}", response=RunOut, summary="A run's progress/result")
def business_case_run_get(request: HttpRequest, project_id: int, run_id: int) -> Any:
    run = VfmRun.objects.filter(project=_project(request, project_id), pk=run_id).first()
    if run is None:
        raise Http404("No such run.")
    return run


class IrrOut(Schema):
    kind: str = Field(description="'one', 'none' (the NPV never crosses zero) or 'several' (every root listed)")
    value: float | None
    roots: list[float]


class CbaOut(Schema):
    horizon: int
    discount_rate: float
    pv_costs: float
    pv_benefits: float
    npv: float
    bcr: float
    irr: IrrOut
    irr_text: str
    payback: float | None
    discounted_payback: float | None
    largest_benefit: str
    yearly_costs: list[float]
    yearly_benefits: list[float]
    summary: str


class YearRowOut(Schema):
    year: int
    calendar_year: int
    payments: float
    envelope: float
    gap: float
    grants: float
    user_revenue: float
    department_budget: float
    debt_in: float
    debt_service: float
    private_capital_in: float
    private_return: float
    net_fiscal_cost: float
    debt_outstanding: float
    commitment_remaining: float
    contingent_expected: float
    contingent_maximum: float


class FundingShareOut(Schema):
    kind: str
    share: float


class AffordabilityOut(Schema):
    affordable: bool
    first_shortfall_year: int | None
    largest_shortfall: float
    pv_payments: float
    pv_net_fiscal_cost: float
    total_commitment: float
    contingent_maximum_peak: float
    funding_mix: list[FundingShareOut]
    rows: list[YearRowOut]
    summary: str


class AnalysisOut(Schema):
    version: int
    cba: CbaOut | None
    affordability: AffordabilityOut | None


def _affordability_out(result: Any, first_calendar_year: int) -> dict[str, Any]:
    return {
        "affordable": result.affordable,
        "first_shortfall_year": result.first_shortfall_year,
        "largest_shortfall": result.largest_shortfall,
        "pv_payments": result.pv_payments,
        "pv_net_fiscal_cost": result.pv_net_fiscal_cost,
        "total_commitment": result.total_commitment,
        "contingent_maximum_peak": result.contingent_maximum_peak,
        "funding_mix": [{"kind": kind, "share": share} for kind, share in result.funding_mix],
        "rows": [{**asdict(row), "calendar_year": first_calendar_year + row.year} for row in result.rows],
        "summary": result.summary(first_calendar_year),
    }


@router.get(
    "/projects/{project_id}/business-case/analysis",
    response=AnalysisOut,
    summary="Cost-benefit analysis and affordability of the saved business case",
)
def business_case_analysis(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = _project(request, project_id)
    case = BusinessCase.objects.filter(project=project).first()
    if case is None:
        raise Http404("No business case yet.")
    analysis = selectors.business_case_analysis(inputs=case.inputs)
    first = int(
        (case.inputs.get("affordability") or {}).get("first_calendar_year") or project.planned_procurement_year
    )
    return {
        "version": case.version,
        "cba": analysis.cba.as_dict() if analysis.cba else None,
        "affordability": _affordability_out(analysis.affordability, first) if analysis.affordability else None,
    }


class CommitmentYearOut(Schema):
    year: int
    payments: float
    contingent_expected: float
    contingent_maximum: float


class CommitmentProjectOut(Schema):
    project_id: int
    title: str
    stage: str
    first_calendar_year: int
    total_payments: float
    contingent_maximum_peak: float


class CommitmentsOut(Schema):
    grand_total: float
    years: list[CommitmentYearOut]
    projects: list[CommitmentProjectOut]


@router.get("/commitments", response=CommitmentsOut, summary="The city's register of PPP commitments")
def commitments(request: HttpRequest, from_year: int | None = None) -> dict[str, Any]:
    if not permissions.can_view_commitments(request.user):
        raise PermissionDenied("The commitments register is for the PPP unit, finance, managers and auditors.")
    register, projects = selectors.commitment_register(from_year=from_year)
    return {
        "grand_total": register.grand_total,
        "years": [
            {"year": y, "payments": p, "contingent_expected": e, "contingent_maximum": m}
            for y, p, e, m in zip(
                register.years,
                register.total_payments,
                register.total_contingent_expected,
                register.total_contingent_maximum,
                strict=True,
            )
        ],
        "projects": [
            {
                "project_id": p.project.pk,
                "title": p.project.title,
                "stage": p.project.stage,
                "first_calendar_year": p.first_calendar_year,
                "total_payments": p.total_payments,
                "contingent_maximum_peak": p.contingent_maximum_peak,
            }
            for p in projects
        ],
    }
