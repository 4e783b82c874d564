from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation
from civicpact.pagination import PageNumberPagination
from civicpact.pipeline import selectors, services
from civicpact.pipeline.exceptions import PipelineError
from civicpact.pipeline.models import Need, Project, Rfi, RfiResponse

router = Router(tags=["pipeline"])
MAX_UPLOAD = 20 * 1024 * 1024


class NeedIn(Schema):
    department_id: int
    title: str = Field(min_length=1, max_length=200)
    problem_statement: str = Field(min_length=1)
    outcomes_sought: str = Field(min_length=1)
    kpis: list[str] = []
    indicative_budget: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    first_year: int = Field(ge=2000, le=2100)
    last_year: int = Field(ge=2000, le=2100)
    location: str = ""
    assets: list[str] = []
    sdgs: list[int] = []
    tags: list[str] = []


class NeedUpdateIn(Schema):
    version: int = Field(description="The version you read; a newer one on the server refuses the edit (409).")
    title: str | None = Field(None, min_length=1, max_length=200)
    problem_statement: str | None = None
    outcomes_sought: str | None = None
    kpis: list[str] | None = None
    indicative_budget: Decimal | None = Field(None, ge=0)
    first_year: int | None = Field(None, ge=2000, le=2100)
    last_year: int | None = Field(None, ge=2000, le=2100)
    location: str | None = None
    assets: list[str] | None = None
    sdgs: list[int] | None = None
    tags: list[str] | None = None


class NeedOut(Schema):
    id: int
    department_id: int
    department: str = Field(alias="department.name")
    title: str
    problem_statement: str
    outcomes_sought: str
    kpis: list[str]
    indicative_budget: Decimal
    first_year: int
    last_year: int
    location: str
    assets: list[str]
    sdgs: list[int]
    tags: list[str]
    status: str
    version: int
    updated_at: datetime


class SuggestionOut(Schema):
    need_id: int
    title: str
    department: str
    score: float
    reasons: list[str]


class SupplierMatchOut(Schema):
    organisation_id: int
    name: str
    is_sme: bool
    score: float
    reasons: list[str]


class ShareIn(Schema):
    department_id: int
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class ProjectIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1)
    lead_department_id: int
    need_ids: list[int] = Field(min_length=1)
    budget_shares: list[ShareIn] = []
    planned_procurement_year: int = Field(ge=2000, le=2100)
    planned_start_year: int = Field(ge=2000, le=2100)
    duration_years: int = Field(ge=1, le=40)


class ShareOut(Schema):
    department: str
    amount: Decimal
    percent: Decimal


class ProjectOut(Schema):
    id: int
    title: str
    summary: str
    lead_department_id: int
    stage: str
    needs_rework: bool
    planned_procurement_year: int
    planned_start_year: int
    duration_years: int
    version: int


class ProjectDetailOut(ProjectOut):
    pooled_budget: Decimal
    budget_shares: list[ShareOut]
    need_ids: list[int]


class GateIn(Schema):
    decision: str = Field(description="approve, send_back or stop")
    reasons: str = Field(min_length=1)
    expected_stage: str = Field(description="The stage you saw; if the project moved since, the decision is refused")


class GateOut(Schema):
    id: int
    stage: str
    decision: str
    resulting_stage: str
    reasons: str
    decided_at: datetime


def _need(request: HttpRequest, need_id: int) -> Need:
    try:
        return selectors.need_get(actor=request.user, pk=need_id)
    except Need.DoesNotExist:
        raise Http404("No such need.") from None


def _project(request: HttpRequest, project_id: int) -> Project:
    try:
        return selectors.project_get(actor=request.user, pk=project_id)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def _department(pk: int, field: str) -> Organisation:
    department = Organisation.objects.departments().filter(pk=pk).first()
    if department is None:
        raise ValidationError({field: "No such department."})
    return department


@router.get("/needs", response=list[NeedOut], summary="Needs you may see (filters: q, department, status, tag)")
@paginate(PageNumberPagination, page_size=50)
def need_list(
    request: HttpRequest, q: str = "", department: int | None = None, status: str = "", tag: str = ""
) -> Any:
    return selectors.need_list(actor=request.user, department=department, status=status, text=q, tag=tag)


@router.post("/needs", response={201: NeedOut}, summary="Register a need")
def need_create(request: HttpRequest, payload: NeedIn) -> Status[Need]:
    data = payload.dict()
    department = _department(data.pop("department_id"), "department_id")
    need = services.need_create(actor=permissions.signed_in_user(request), department=department, **data)
    return Status(201, need)


@router.get("/needs/{need_id}", response=NeedOut)
def need_get(request: HttpRequest, need_id: int) -> Need:
    return _need(request, need_id)


@router.patch("/needs/{need_id}", response=NeedOut, summary="Edit a need (optimistic locking by version)")
def need_update(request: HttpRequest, need_id: int, payload: NeedUpdateIn) -> Need:
    _need(request, need_id)
    data = payload.dict(exclude_unset=True)
    nulls = sorted(k for k, v in data.items() if v is None)
    if nulls:  # a partial update leaves a field out to keep it; null is no value for these
        raise ValidationError(dict.fromkeys(nulls, "Give a value, or leave the field out to keep the current one."))
    version = data.pop("version")
    try:
        return services.need_update(
            actor=permissions.signed_in_user(request), need_id=need_id, expected_version=version, **data
        )
    except PipelineError as exc:
        raise HttpError(409, str(exc)) from None


@router.get(
    "/needs/{need_id}/synergies",
    response=list[SuggestionOut],
    summary="Other departments' needs that overlap, with reasons",
)
def need_synergies(request: HttpRequest, need_id: int) -> list[dict[str, Any]]:
    need = _need(request, need_id)
    return [
        {
            "need_id": s.need_id,
            "title": s.title,
            "department": s.department,
            "score": s.match.score,
            "reasons": list(s.match.reasons),
        }
        for s in selectors.need_synergies(actor=request.user, need=need)
    ]


@router.get(
    "/needs/{need_id}/suppliers",
    response=list[SupplierMatchOut],
    summary="Verified suppliers whose capabilities fit the need",
)
def need_suppliers(request: HttpRequest, need_id: int) -> list[dict[str, Any]]:
    need = _need(request, need_id)
    return [
        {
            "organisation_id": s.organisation.pk,
            "name": s.organisation.name,
            "is_sme": s.organisation.is_sme,
            "score": s.match.score,
            "reasons": list(s.match.reasons),
        }
        for s in selectors.need_supplier_matches(actor=request.user, need=need)
    ]


@router.get("/projects", response=list[ProjectOut])
@paginate(PageNumberPagination, page_size=50)
def project_list(request: HttpRequest) -> Any:
    return selectors.project_list(actor=request.user)


def _detail(project: Project) -> dict[str, Any]:
    total, shares = selectors.pooled_budget(project=project)
    return {
        **ProjectOut.from_orm(project).dict(),
        "pooled_budget": total,
        "budget_shares": [s.__dict__ for s in shares],
        "need_ids": [n.pk for n in selectors.project_needs(project=project)],
    }


@router.post("/projects", response={201: ProjectDetailOut}, summary="Link needs into a project with a pooled budget")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    project = services.project_create(
        actor=permissions.signed_in_user(request),
        title=payload.title,
        summary=payload.summary,
        lead_department=_department(payload.lead_department_id, "lead_department_id"),
        need_ids=payload.need_ids,
        budget_shares={s.department_id: s.amount for s in payload.budget_shares},
        planned_procurement_year=payload.planned_procurement_year,
        planned_start_year=payload.planned_start_year,
        duration_years=payload.duration_years,
    )
    return Status(201, _detail(project))


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def project_get(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return _detail(_project(request, project_id))


@router.post("/projects/{project_id}/gates", response={201: GateOut}, summary="Record a stage-gate decision")
def gate_decide(request: HttpRequest, project_id: int, payload: GateIn) -> Status[Any]:
    _project(request, project_id)
    try:
        record = services.gate_decide(
            actor=permissions.signed_in_user(request),
            project_id=project_id,
            decision=payload.decision,
            reasons=payload.reasons,
            expected_stage=payload.expected_stage,
        )
    except PipelineError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, record)


class RfiIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    questions: str = ""
    response_deadline: datetime
    publish: bool = True


class RfiOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    questions: str
    response_deadline: datetime
    status: str


class RfiResponseIn(Schema):
    interest: int = Field(ge=0, le=3, description="0 none, 1 low, 2 medium, 3 high")
    capability: str = Field(min_length=1)
    price_min: Decimal = Field(ge=0)
    price_max: Decimal = Field(ge=0)
    questions: str = ""


class RfiResponseOut(Schema):
    supplier_id: int
    supplier: str = Field(alias="supplier.name")
    interest: int
    capability: str
    price_min: Decimal
    price_max: Decimal
    questions: str
    updated_at: datetime


def _rfi(request: HttpRequest, rfi_id: int) -> Rfi:
    try:
        return selectors.rfi_get(actor=request.user, pk=rfi_id)
    except Rfi.DoesNotExist:
        raise Http404("No such market sounding.") from None


@router.post("/projects/{project_id}/market-soundings", response={201: RfiOut}, summary="Start a market sounding")
def rfi_create(request: HttpRequest, project_id: int, payload: RfiIn) -> Status[Rfi]:
    _project(request, project_id)
    rfi = services.rfi_create(actor=permissions.signed_in_user(request), project_id=project_id, **payload.dict())
    return Status(201, rfi)


@router.get("/market-soundings", response=list[RfiOut], summary="Market soundings you may see")
def rfi_list(request: HttpRequest) -> list[Rfi]:
    return selectors.rfi_list_open_to_suppliers(actor=request.user)


@router.get(
    "/market-soundings/{rfi_id}/responses",
    response=list[RfiResponseOut],
    summary="Responses: all for the city, a supplier's own for a supplier",
)
def rfi_responses(request: HttpRequest, rfi_id: int) -> list[RfiResponse]:
    return selectors.rfi_responses(actor=request.user, rfi=_rfi(request, rfi_id))


@router.put(
    "/market-soundings/{rfi_id}/response",
    response=RfiResponseOut,
    summary="Answer (or change your answer) as a verified supplier",
)
def rfi_respond(request: HttpRequest, rfi_id: int, payload: RfiResponseIn) -> RfiResponse:
    _rfi(request, rfi_id)
    return services.rfi_respond(actor=permissions.signed_in_user(request), rfi_id=rfi_id, **payload.dict())


class DocumentOut(Schema):
    id: int
    title: str
    document_type: str
    uploaded_at: datetime


@router.get("/needs/{need_id}/documents", response=list[DocumentOut])
def need_documents(request: HttpRequest, need_id: int) -> Any:
    return _need(request, need_id).documents.all()


@router.post("/needs/{need_id}/documents", response={201: DocumentOut}, summary="Attach a file (multipart)")
def need_document_attach(
    request: HttpRequest, need_id: int, title: Form[str], file: File[UploadedFile], document_type: Form[str] = "other"
) -> Status[Any]:
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ValidationError({"file": "The file is larger than 20 MB."})
    document = services.document_attach(
        actor=permissions.signed_in_user(request),
        upload=file,
        title=title,
        document_type=document_type,
        need=_need(request, need_id),
    )
    return Status(201, document)
