"""Telemetry and statements through the API. The batch endpoint takes NDJSON (one reading per line) from the
partner's systems with a bearer token; everything in a batch is stored or nothing, and the rejections come back
with the reason per row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicpact.accounts import permissions
from civicpact.contracts import selectors as contracts
from civicpact.contracts.models import Contract
from civicpact.pagination import PageNumberPagination
from civicpact.performance import incident_services, ingest, services
from civicpact.performance.models import Incident, PeriodicScore, RemediationPlan, Statement

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


class PlanIn(Schema):
    title: str = Field(description="The failure to remedy, in a line")
    actions: str = Field(description="What the partner must do")
    deadline: date = Field(description="By when (not in the past)")
    incident: int | None = Field(None, description="The incident it follows, if any (of this contract)")
    kpi: str = Field("", description="The key of the KPI it concerns, if any")
    month: str = Field("", description="The statement month (YYYY-MM) it concerns, if any")


class PlanStepIn(Schema):
    version: int = Field(description="The plan's version you read; a newer one refuses (409)")
    text: str = Field(description="The plan, the progress, the reasons, the follow-up or how the remedy was checked")
    accept: bool | None = Field(None, description="For a decision: true accepts the plan, false rejects it")


# The path's step -> the service's action (`incident_services.PLAN_MOVES`); a decision is accepted or rejected.
PLAN_STEPS = {
    "submission": "submission",
    "progress": "progress",
    "decision": "",
    "follow-up": "follow_up",
    "closure": "closed",
}


def _plan(request: HttpRequest, contract_id: int, plan_id: int) -> RemediationPlan:
    plan = RemediationPlan.objects.filter(contract=_contract(request, contract_id), pk=plan_id).first()
    if plan is None:
        raise Http404("No such remediation plan.")
    return plan


@router.post(
    "/contracts/{contract_id}/remediation-plans",
    response={201: PlanOut},
    summary="Raise a remediation plan (the city's contract managers and the PPP unit)",
)
def plan_raise(request: HttpRequest, contract_id: int, payload: PlanIn) -> Status[RemediationPlan]:
    contract = _contract(request, contract_id)
    plan = _refusal(
        lambda: incident_services.remediation_raise(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            title=payload.title,
            actions=payload.actions,
            deadline=payload.deadline,
            incident_id=payload.incident,
            kpi=payload.kpi,
            month=payload.month,
        )
    )
    return Status(201, _plan_out(plan))


@router.get("/contracts/{contract_id}/remediation-plans/{plan_id}", response=PlanOut, summary="A remediation plan")
def plan_get(request: HttpRequest, contract_id: int, plan_id: int) -> Any:
    return _plan_out(_plan(request, contract_id, plan_id))


@router.post(
    "/contracts/{contract_id}/remediation-plans/{plan_id}/{step}",
    response=PlanOut,
    summary="A step of a plan: submission, progress (the partner); decision, follow-up, closure (the city)",
)
def plan_step(request: HttpRequest, contract_id: int, plan_id: int, step: str, payload: PlanStepIn) -> Any:
    plan = _plan(request, contract_id, plan_id)
    if step not in PLAN_STEPS:
        raise Http404(f"No such step: choose one of {', '.join(PLAN_STEPS)}.")
    action = PLAN_STEPS[step]
    if not action:
        if payload.accept is None:
            raise ValidationError({"accept": "Say whether the plan is accepted (true) or rejected (false)."})
        action = "accepted" if payload.accept else "rejected"
    decided = _refusal(
        lambda: incident_services.remediation_act(
            actor=permissions.signed_in_user(request),
            plan_id=plan.pk,
            expected_version=payload.version,
            action=action,
            text=payload.text,
        )
    )
    return _plan_out(decided)


# --- periodic KPI scores ------------------------------------------------------------------------------------------


class ScoreIn(Schema):
    kpi: str = Field(description="The key of a periodic KPI of the regime")
    month: str = Field(description="YYYY-MM")
    score: Decimal = Field(description="The score measured (0 or more)")
    source: str = Field(description="Where it comes from: the survey and its sample, the inspection")
    version: int = Field(0, description="0 for a new month's score; to revise one, the version read (409 if stale)")


class ScoreOut(Schema):
    id: int
    kpi: str
    month: str
    score: Decimal
    source: str
    version: int
    recorded_by: str
    recorded_at: datetime

    @staticmethod
    def resolve_recorded_by(score: PeriodicScore) -> str:
        return str(score.recorded_by)


@router.get("/contracts/{contract_id}/scores", response=list[ScoreOut], summary="Periodic KPI scores")
def score_list(request: HttpRequest, contract_id: int, month: str = "", kpi: str = "") -> Any:
    """Newest month first; `month` (YYYY-MM) and `kpi` filter."""
    scores = PeriodicScore.objects.filter(contract=_contract(request, contract_id)).select_related("recorded_by")
    if month:
        scores = scores.filter(month=month)
    if kpi:
        scores = scores.filter(kpi=kpi)
    return list(scores)


@router.post(
    "/contracts/{contract_id}/scores",
    response={200: ScoreOut, 201: ScoreOut},
    summary="Record a periodic KPI's score for a month (201), or revise it from the version read (200)",
)
def score_record(request: HttpRequest, contract_id: int, payload: ScoreIn) -> Status[PeriodicScore]:
    contract = _contract(request, contract_id)
    score = _refusal(
        lambda: incident_services.periodic_score_record(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            kpi=payload.kpi,
            month=payload.month,
            score=payload.score,
            source=payload.source,
            expected_version=payload.version,
        )
    )
    score.refresh_from_db(fields=["score"])  # as stored (3 decimals), as the list reads it
    return Status(201 if score.version == 1 else 200, score)


# --- the drill-down: a statement line's asset, down to its outage events ---------------------------------------------


class EventOut(Schema):
    number: int
    first_slot: int
    last_slot: int
    start: datetime  # the regime's local time, with its offset
    end: datetime
    slots: int
    down: int
    degraded: int
    missing: int
    rectified: bool
    tier: int | None  # 0: the ratchet's first tier; None: fixed within the rectification period
    multiplier: Decimal | None


class TierOut(Schema):
    tier: int
    multiplier: Decimal
    events: int
    down: int
    degraded: int
    missing: int


class AssetDrilldownOut(Schema):
    contract: int
    statement: int
    month: str
    regime_version: int
    asset: str
    asset_class: str
    timezone: str
    interval_minutes: int
    service_slots: int
    up_slots: int
    down_slots: int
    degraded_slots: int
    missing_slots: int
    events: list[EventOut]
    rectified_events: int
    deductible_events: int
    tiers: list[TierOut]
    line: dict[str, Any] | None  # the money line recomputed from these events
    statement_line: dict[str, Any] | None  # the statement's line for the asset
    matches_statement: bool  # False: the telemetry stored now is not what the statement was computed from
    milliseconds: float


@router.get(
    "/contracts/{contract_id}/statements/{statement_id}/assets/{asset_id}",
    response=AssetDrilldownOut,
    summary="A statement line's asset, down to the outage events that make its counts and deduction",
)
def statement_asset(request: HttpRequest, contract_id: int, statement_id: int, asset_id: str) -> Any:
    from civicpact.performance.drilldown import DrilldownError, asset_month

    contract = _contract(request, contract_id)
    statement = Statement.objects.filter(contract=contract, pk=statement_id).select_related("regime").first()
    if statement is None:
        raise Http404("No such statement.")
    try:
        d = asset_month(
            contract=contract, asset_id=asset_id, month=statement.month, regime=statement.regime, statement=statement
        )
    except DrilldownError as exc:
        raise Http404(str(exc)) from None
    return {
        "contract": contract.pk,
        "statement": statement.pk,
        "month": d.month,
        "regime_version": d.regime.number,
        "asset": d.asset.asset_id,
        "asset_class": d.asset.asset_class,
        "timezone": d.doc.measurement.timezone,
        "interval_minutes": d.doc.measurement.interval_minutes,
        "service_slots": d.counts.service_slots,
        "up_slots": d.counts.up_slots,
        "down_slots": d.counts.down_slots,
        "degraded_slots": d.counts.degraded_slots,
        "missing_slots": d.counts.missing_slots,
        "events": [
            {
                "number": e.number,
                "first_slot": e.event.first_slot,
                "last_slot": e.event.last_slot,
                "start": e.start,
                "end": e.end,
                "slots": e.event.slot_count,
                "down": e.event.down,
                "degraded": e.event.degraded,
                "missing": e.event.missing,
                "rectified": e.event.rectified,
                "tier": e.event.tier,
                "multiplier": e.multiplier,
            }
            for e in d.events
        ],
        "rectified_events": d.rectified,
        "deductible_events": d.deductible,
        "tiers": d.tiers,
        "line": d.line,
        "statement_line": d.statement_line,
        "matches_statement": d.matches,
        "milliseconds": round(d.milliseconds, 3),
    }


# --- a supplier's performance record ------------------------------------------------------------------------------


class RecordFiguresOut(Schema):
    months: int
    availability_percent: Decimal | None = Field(alias="availability_shown")
    target_percent: Decimal | None = Field(alias="target_shown")
    months_below_target: int = Field(alias="below_target")
    deductions: Decimal
    charge: Decimal
    deductions_percent_of_charge: Decimal | None = Field(alias="deductions_percent")
    months_at_cap: int = Field(alias="capped")
    kpi_failures: int
    disputes_raised: int = Field(description="Statement lines the supplier disputed")
    disputes_upheld: int
    contract_disputes: int = Field(description="Contract disputes on the escalation ladder, raised by either party")
    contract_disputes_escalated: int = Field(description="Of which reached expert determination or arbitration")
    contract_disputes_resolved: int
    remediation_plans: int = Field(alias="plans_raised", description="Remediation plans the city raised")
    remediation_plans_rejected: int = Field(alias="plans_rejected", description="Rejected at least once")
    remediation_plans_overdue: int = Field(alias="plans_overdue", description="Past their deadline, not closed")


class ContractRecordOut(Schema):
    contract: int = Field(alias="contract_id")
    title: str
    status: str
    figures: RecordFiguresOut


class SupplierRecordOut(Schema):
    organisation: int = Field(alias="organisation.pk")
    name: str = Field(alias="organisation.name")
    totals: RecordFiguresOut
    contracts: list[ContractRecordOut]


@router.get(
    "/suppliers/{organisation_id}/record",
    response=SupplierRecordOut,
    summary="A supplier's performance record across the contracts where it is the partner",
)
def supplier_record(request: HttpRequest, organisation_id: int) -> Any:
    from civicpact.accounts.models import Organisation
    from civicpact.performance.selectors import supplier_record as record

    try:
        return record(actor=request.user, organisation_id=organisation_id)
    except Organisation.DoesNotExist:
        raise Http404("No such supplier.") from None
