"""Telemetry and statements through the API. The batch endpoint takes NDJSON (one reading per line) from the
partner's systems with a bearer token; everything in a batch is stored or nothing, and the rejections come back
with the reason per row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from civicpact.accounts import permissions
from civicpact.contracts import selectors as contracts
from civicpact.contracts.models import Contract
from civicpact.performance import ingest, services
from civicpact.performance.models import Statement

router = Router(tags=["performance"])


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    try:
        return contracts.contract_get(actor=request.user, pk=contract_id)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None


class RejectionOut(Schema):
    row: int
    field: str
    reason: str


class BatchOut(Schema):
    id: int
    status: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    intervals_written: int
    content_hash: str
    rejections: list[RejectionOut]


@router.post(
    "/contracts/{contract_id}/telemetry",
    response={200: BatchOut},
    summary="Send a batch of readings (NDJSON body: one JSON object per line)",
    openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
def telemetry_batch(request: HttpRequest, contract_id: int, feed: str = "samples") -> Any:
    contract = _contract(request, contract_id)
    if feed not in ("samples", "changes"):
        raise HttpError(422, "feed must be samples or changes")
    body = request.body
    limit = settings.CIVICPACT_TELEMETRY_BATCH_MAX_BYTES
    if len(body) > limit:
        raise HttpError(413, f"The batch is {len(body)} bytes, over {limit}: split it, or upload a file.")
    try:
        lines = [line for line in body.decode("utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise HttpError(422, "The body is not UTF-8 text: send NDJSON, one JSON object per line.") from None
    if not lines:
        raise HttpError(422, "The batch is empty: send at least one reading.")
    batch = services.batch_create(
        actor=permissions.signed_in_user(request), contract_id=contract.pk, source="http", filename="http-batch"
    )
    batch = services.batch_run(batch.pk, ingest.ObjectSource(lines, name="http-batch"), feed=feed)
    if batch.status == "failed":
        raise HttpError(422, batch.error)
    return batch


class StatementOut(Schema):
    id: int
    month: str
    number: int
    status: str
    regime_version: int = Field(alias="regime.number")
    monthly_charge: Decimal
    deductions: Decimal
    bonus: Decimal
    net: Decimal
    computed_at: datetime
    issued_at: datetime | None
    figures: dict[str, Any]


@router.get("/contracts/{contract_id}/statements", response=list[StatementOut], summary="Payment statements")
def statement_list(request: HttpRequest, contract_id: int) -> Any:
    return list(Statement.objects.filter(contract=_contract(request, contract_id)).select_related("regime"))


# --- incidents and remediation plans (docs/incidents.md) ---------------------------------------------------------

from datetime import date  # noqa: E402

from ninja import Status  # noqa: E402
from ninja.pagination import PageNumberPagination, paginate  # noqa: E402

from civicpact.performance import incident_services  # noqa: E402
from civicpact.performance.models import Incident, RemediationPlan  # noqa: E402


def _refusal(call: Any) -> Any:
    """A service's refusal (stale version, a step already recorded) is a 409 in the house shape."""
    try:
        return call()
    except services.PerformanceError as exc:
        raise HttpError(409, str(exc)) from None


class IncidentIn(Schema):
    description: str = Field(description="What is wrong, and where")
    reported_at: datetime = Field(description="When it was reported, with its offset: the KPIs' clocks start here")
    response_kpi: str = Field("", description="The key of a response_time KPI of the regime")
    fix_kpi: str = Field("", description="The key of a fix_time KPI of the regime")
    asset: str = Field("", description="An asset id of the contract's register")
    priority: str = Field("normal", description="urgent, high, normal or low")
    reference: str = Field("", description="The helpdesk's ticket number (unique per contract: a retry is refused)")


class IncidentOut(Schema):
    id: int
    version: int
    state: str
    reference: str
    source: str
    asset: str | None = Field(None, alias="asset.asset_id")
    priority: str
    response_kpi: str
    fix_kpi: str
    description: str
    reported_at: datetime
    responded_at: datetime | None
    fixed_at: datetime | None


class StepIn(Schema):
    version: int = Field(description="The incident's version you read; a newer one refuses (409)")
    at: datetime = Field(description="When, with its offset")


class PlanOut(Schema):
    id: int
    version: int
    status: str
    overdue: bool
    title: str
    actions: str
    deadline: date
    incident: int | None = Field(None, alias="incident_id")
    kpi: str
    month: str
    plan: str
    decision_reason: str


def _incident(request: HttpRequest, contract_id: int, incident_id: int) -> Incident:
    incident = Incident.objects.filter(contract=_contract(request, contract_id), pk=incident_id).first()
    if incident is None:
        raise Http404("No such incident.")
    return incident


@router.get("/contracts/{contract_id}/incidents", response=list[IncidentOut], summary="The incident log")
@paginate(PageNumberPagination, page_size=50)
def incident_list(request: HttpRequest, contract_id: int, state: str = "") -> Any:
    """`state`: open (not fixed) or closed (fixed); all when left out."""
    return incident_services.incident_list(contract=_contract(request, contract_id), state=state)


@router.post(
    "/contracts/{contract_id}/incidents",
    response={201: IncidentOut},
    summary="Report an incident (the city, the partner or a helpdesk system with a token)",
)
def incident_report(request: HttpRequest, contract_id: int, payload: IncidentIn) -> Status[Incident]:
    contract = _contract(request, contract_id)
    data = payload.dict()
    data["asset_id"] = data.pop("asset")
    incident = _refusal(
        lambda: incident_services.incident_report(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            source="helpdesk" if data["reference"] else "",
            **data,
        )
    )
    return Status(201, incident)


@router.post("/contracts/{contract_id}/incidents/{incident_id}/response", response=IncidentOut, summary="Responded")
def incident_respond(request: HttpRequest, contract_id: int, incident_id: int, payload: StepIn) -> Any:
    incident = _incident(request, contract_id, incident_id)
    return _refusal(
        lambda: incident_services.incident_respond(
            actor=permissions.signed_in_user(request),
            incident_id=incident.pk,
            expected_version=payload.version,
            responded_at=payload.at,
        )
    )


@router.post("/contracts/{contract_id}/incidents/{incident_id}/fix", response=IncidentOut, summary="Fixed")
def incident_fix(request: HttpRequest, contract_id: int, incident_id: int, payload: StepIn) -> Any:
    incident = _incident(request, contract_id, incident_id)
    return _refusal(
        lambda: incident_services.incident_fix(
            actor=permissions.signed_in_user(request),
            incident_id=incident.pk,
            expected_version=payload.version,
            fixed_at=payload.at,
        )
    )


@router.get("/contracts/{contract_id}/remediation-plans", response=list[PlanOut], summary="Remediation plans")
@paginate(PageNumberPagination, page_size=50)
def plan_list(request: HttpRequest, contract_id: int) -> Any:
    plans = RemediationPlan.objects.filter(contract=_contract(request, contract_id))
    return [_plan_out(p) for p in plans]


def _plan_out(plan: RemediationPlan) -> RemediationPlan:
    plan.overdue = incident_services.plan_overdue(plan)  # type: ignore[attr-defined]
    return plan
