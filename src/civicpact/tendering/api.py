"""Tenders, sealed bids, opening and clarifications through the API: the same services and checks as the pages.

No schema here has a field for a bid's contents before the opening, or for the tender's keys, ever."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicpact.accounts import permissions
from civicpact.accounts.auth import PUBLIC
from civicpact.accounts.models import Organisation
from civicpact.domain.tendering import Procedure
from civicpact.pagination import PageNumberPagination
from civicpact.pipeline.models import Project
from civicpact.tendering import evaluation, proposals, selectors, services, stages
from civicpact.tendering.exceptions import DeadlinePassed, Sealed, TenderingError
from civicpact.tendering.models import OPENED_ONWARDS, Clarification, Complaint, Tender, TenderStatus

router = Router(tags=["tendering"])


def _tender(request: HttpRequest, tender_id: int) -> Tender:
    try:
        return selectors.tender_get(actor=request.user, pk=tender_id)
    except Tender.DoesNotExist:
        raise Http404("No such tender.") from None


def _conflict(exc: TenderingError) -> HttpError:
    return HttpError(403 if isinstance(exc, Sealed) and "sealed until" in str(exc) else 409, str(exc))


class TenderIn(Schema):
    project_id: int
    title: str
    description: str
    requirements: str = ""
    value_estimate: Decimal = Field(ge=0)
    criteria: list[dict[str, Any]] = Field(description="Criteria tree with weights (schemas/score.schema.json)")
    price_formula: str = "lowest_relative"
    eligibility: list[str] = []
    publication_date: datetime
    clarification_deadline: datetime
    submission_deadline: datetime
    opening_date: datetime
    evaluation_end: datetime
    standstill_end: datetime
    stage: str | None = Field(None, description="The procedure's first stage (default: the first it allows)")
    keep: int | None = Field(None, ge=1, description="Suppliers a down-selecting stage keeps")
    phase_payment: Decimal | None = Field(None, ge=0, description="Paid to each supplier kept (PCP phases)")
    proponent_id: int | None = Field(None, description="A Swiss challenge's proponent (a verified supplier)")
    proposal_summary: str | None = Field(None, description="The proponent's proposal, published")
    swiss_rule: str | None = Field(None, description="match or bonus")
    swiss_bonus: Decimal | None = Field(None, ge=0, le=100, description="Points added to the proponent's total")
    match_days: int | None = Field(None, ge=1, description="Days the proponent has to match")


class NextStageIn(Schema):
    title: str | None = None
    description: str | None = None
    requirements: str | None = None
    value_estimate: Decimal | None = Field(None, ge=0)
    criteria: list[dict[str, Any]] | None = None
    price_formula: str | None = None
    eligibility: list[str] | None = None
    publication_date: datetime
    clarification_deadline: datetime
    submission_deadline: datetime
    opening_date: datetime
    evaluation_end: datetime
    standstill_end: datetime
    stage: str | None = Field(None, description="Which stage follows (default: the first the procedure allows)")
    keep: int | None = Field(None, ge=1, description="Suppliers a down-selecting stage keeps")
    phase_payment: Decimal | None = Field(None, ge=0, description="Paid to each supplier kept (PCP phases)")


class TenderUpdateIn(Schema):
    version: int = Field(description="The version you read; a newer one refuses the save (409).")
    title: str | None = None
    description: str | None = None
    requirements: str | None = None
    value_estimate: Decimal | None = Field(None, ge=0)
    criteria: list[dict[str, Any]] | None = None
    price_formula: str | None = None
    eligibility: list[str] | None = None
    clarification_deadline: datetime | None = None
    submission_deadline: datetime | None = None
    opening_date: datetime | None = None
    evaluation_end: datetime | None = None
    standstill_end: datetime | None = None
    keep: int | None = Field(None, ge=1, description="Suppliers a down-selecting stage keeps")
    phase_payment: Decimal | None = Field(None, ge=0, description="Paid to each supplier kept (PCP phases)")
    proponent_id: int | None = Field(None, description="A Swiss challenge's proponent (a verified supplier)")
    proposal_summary: str | None = Field(None, description="The proponent's proposal, published")
    swiss_rule: str | None = Field(None, description="match or bonus")
    swiss_bonus: Decimal | None = Field(None, ge=0, le=100, description="Points added to the proponent's total")
    match_days: int | None = Field(None, ge=1, description="Days the proponent has to match")


class TenderOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    requirements: str
    procedure: str
    status: str
    value_estimate: Decimal
    criteria: list[dict[str, Any]]
    price_formula: str
    eligibility: list[str]
    publication_date: datetime
    clarification_deadline: datetime
    submission_deadline: datetime
    opening_date: datetime
    evaluation_end: datetime
    standstill_end: datetime
    stage: str
    previous_stage_id: int | None
    keep: int | None
    phase_payment: Decimal | None
    proponent_id: int | None
    proposal_summary: str
    swiss_rule: str
    swiss_bonus: Decimal
    match_days: int
    version: int


class VersionIn(Schema):
    version: int


class ConsortiumMemberIn(Schema):
    name: str
    share: Decimal
    role: str = "member"


class DocumentIn(Schema):
    name: str
    content_type: str = "application/octet-stream"
    data: str = Field(description="The file's content, base64")


class ScheduleLineIn(Schema):
    item: str
    amount: Decimal


class BidIn(Schema):
    price: Decimal | None = None
    price_schedule: list[ScheduleLineIn] = Field(default_factory=list, description="Items adding up to the price")
    answers: dict[str, str] = Field(default_factory=dict, description="Your answer per scored criterion key")
    consortium: list[ConsortiumMemberIn] = []
    documents: list[DocumentIn] = Field(default_factory=list, description="Sealed with the bid")


class ReceiptOut(Schema):
    bid: int = Field(alias="bid_id")
    number: int
    receipt: str = Field(description="SHA-256 of the sealed bid")
    submitted_at: datetime


class OwnBidOut(Schema):
    status: str
    current_number: int
    receipts: list[ReceiptOut]


class CountOut(Schema):
    bids: int


class OpenedBidOut(Schema):
    supplier: str
    receipt: str
    price: str | None
    price_schedule: list[dict[str, str]] = []
    answers: dict[str, str]
    consortium: list[dict[str, str]]


class OpeningOut(Schema):
    opened_at: datetime
    bids: list[dict[str, Any]]


class QuestionIn(Schema):
    question: str


class AnswerIn(Schema):
    answer: str


class ClarificationOut(Schema):
    id: int
    question: str
    answer: str
    asked_at: datetime
    answered_at: datetime | None


@router.get("/tenders", response=list[TenderOut], auth=PUBLIC, summary="Published tenders (staff: drafts too)")
@paginate(PageNumberPagination, page_size=50)
def tender_list(request: HttpRequest, q: str = "", procedure: str = "", status: str = "") -> Any:
    """Filter with `q` (words in the title, description or requirements), `procedure`, and `status` (a tender
    status, or `open`: still taking bids, soonest deadline first)."""
    if procedure and procedure not in {p.value for p in Procedure}:
        raise ValidationError({"procedure": f"Unknown procedure {procedure!r}: one of {', '.join(Procedure)}."})
    if status and status not in {"open", *TenderStatus.values}:
        raise ValidationError(
            {"status": f"Unknown status {status!r}: open, or one of {', '.join(TenderStatus.values)}."}
        )
    return selectors.tender_search(actor=request.user, text=q, procedure=procedure, status=status)


def _stage_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Drop stage fields left out (the model's defaults apply); turn proponent_id into the organisation."""
    data = {k: v for k, v in data.items() if v is not None or k not in STAGE_FIELDS}
    if "proponent_id" in data:
        proponent_id = data.pop("proponent_id")
        proponent = Organisation.objects.filter(pk=proponent_id).first() if proponent_id is not None else None
        if proponent_id is not None and proponent is None:
            raise ValidationError({"proponent_id": f"No organisation has the id {proponent_id}."})
        data["proponent"] = proponent
    return data


STAGE_FIELDS = (
    "stage",
    "keep",
    "phase_payment",
    "proponent_id",
    "proposal_summary",
    "swiss_rule",
    "swiss_bonus",
    "match_days",
)


@router.post("/tenders", response={201: TenderOut}, summary="Prepare a draft tender from a project")
def tender_create(request: HttpRequest, payload: TenderIn) -> Status[Tender]:
    data = _stage_fields(payload.dict())
    project_id = data.pop("project_id")
    try:
        tender = services.tender_create(actor=permissions.signed_in_user(request), project_id=project_id, **data)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None
    return Status(201, tender)


@router.get("/tenders/{tender_id}", response=TenderOut, auth=PUBLIC, summary="A tender")
def tender_get(request: HttpRequest, tender_id: int) -> Tender:
    return _tender(request, tender_id)


@router.patch("/tenders/{tender_id}", response=TenderOut, summary="Change a draft tender")
def tender_update(request: HttpRequest, tender_id: int, payload: TenderUpdateIn) -> Tender:
    _tender(request, tender_id)
    changes = _stage_fields(payload.dict(exclude_unset=True))
    version = changes.pop("version")
    try:
        return services.tender_update(
            actor=permissions.signed_in_user(request), tender_id=tender_id, expected_version=version, **changes
        )
    except TenderingError as exc:
        raise _conflict(exc) from None


@router.post("/tenders/{tender_id}/publish", response=TenderOut, summary="Publish: public and open for bids")
def tender_publish(request: HttpRequest, tender_id: int, payload: VersionIn) -> Tender:
    _tender(request, tender_id)
    try:
        return services.tender_publish(
            actor=permissions.signed_in_user(request), tender_id=tender_id, expected_version=payload.version
        )
    except TenderingError as exc:
        raise _conflict(exc) from None


@router.post("/tenders/{tender_id}/bids", response={201: ReceiptOut}, summary="Submit or revise your sealed bid")
def bid_submit(request: HttpRequest, tender_id: int, payload: BidIn) -> Status[Any]:
    _tender(request, tender_id)
    body = payload.dict()
    body["price"] = None if payload.price is None else str(payload.price)
    body["price_schedule"] = [{"item": line.item, "amount": str(line.amount)} for line in payload.price_schedule]
    try:
        version = services.bid_submit(actor=permissions.signed_in_user(request), tender_id=tender_id, payload=body)
    except DeadlinePassed as exc:
        raise HttpError(409, str(exc)) from None
    except TenderingError as exc:
        raise _conflict(exc) from None
    return Status(201, version)


@router.post("/tenders/{tender_id}/bids/withdraw", response=OwnBidOut, summary="Withdraw your bid")
def bid_withdraw(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    try:
        services.bid_withdraw(actor=permissions.signed_in_user(request), tender_id=tender_id)
    except TenderingError as exc:
        raise _conflict(exc) from None
    return own_bid(request, tender.pk)


@router.get("/tenders/{tender_id}/my-bid", response=OwnBidOut, summary="Your bid's status and receipts")
def own_bid(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    bid = selectors.own_bid(actor=request.user, tender=_tender(request, tender_id))
    if bid is None:
        raise Http404("You have no bid on this tender.")
    return {"status": bid.status, "current_number": bid.current_number, "receipts": selectors.receipts(bid=bid)}


@router.get("/tenders/{tender_id}/bid-count", response=CountOut, summary="How many bids (PPP unit only)")
def bid_count(request: HttpRequest, tender_id: int) -> dict[str, int]:
    count = selectors.bid_count(actor=request.user, tender=_tender(request, tender_id))
    if count is None:
        raise PermissionDenied("Only the PPP unit sees how many bids there are.")
    return {"bids": count}


@router.post("/tenders/{tender_id}/open", response=OpeningOut, summary="Record the opening after the deadline")
def tender_open(request: HttpRequest, tender_id: int) -> Any:
    _tender(request, tender_id)
    try:
        return services.tender_open(actor=permissions.signed_in_user(request), tender_id=tender_id)
    except TenderingError as exc:
        raise HttpError(409, str(exc)) from None


@router.get("/tenders/{tender_id}/bids", response=list[OpenedBidOut], summary="Opened bids (PPP unit)")
def opened_bids(request: HttpRequest, tender_id: int) -> list[dict[str, Any]]:
    tender = _tender(request, tender_id)
    if not permissions.can_manage_tenders(request.user):
        raise PermissionDenied("Only the PPP unit reads opened bids.")
    if tender.status not in OPENED_ONWARDS:
        raise HttpError(403, "The bids are sealed until the deadline has passed and the opening is recorded.")
    rows = selectors.opened_bids(actor=request.user, tender=tender)
    return [
        {
            "supplier": row.bid.supplier.name,
            "receipt": row.receipt,
            "price": row.contents.get("price"),
            "price_schedule": row.contents.get("price_schedule", []),
            "answers": row.contents.get("answers", {}),
            "consortium": row.contents.get("consortium", []),
        }
        for row in rows
    ]


@router.get("/tenders/{tender_id}/clarifications", response=list[ClarificationOut], auth=PUBLIC)
def clarification_list(request: HttpRequest, tender_id: int) -> Any:
    return selectors.clarifications(actor=request.user, tender=_tender(request, tender_id))


@router.post("/tenders/{tender_id}/clarifications", response={201: ClarificationOut}, summary="Ask a question")
def clarification_ask(request: HttpRequest, tender_id: int, payload: QuestionIn) -> Status[Clarification]:
    _tender(request, tender_id)
    try:
        item = services.clarification_ask(
            actor=permissions.signed_in_user(request), tender_id=tender_id, question=payload.question
        )
    except TenderingError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, item)


@router.post("/clarifications/{clarification_id}/answer", response=ClarificationOut, summary="Answer (published)")
def clarification_answer(request: HttpRequest, clarification_id: int, payload: AnswerIn) -> Clarification:
    try:
        return services.clarification_answer(
            actor=permissions.signed_in_user(request), clarification_id=clarification_id, answer=payload.answer
        )
    except Clarification.DoesNotExist:
        raise Http404("No such question.") from None
    except TenderingError as exc:
        raise HttpError(409, str(exc)) from None


# --- evaluation and award ------------------------------------------------------------------------------------------


class CommitteeIn(Schema):
    evaluator_ids: list[int]


class SeatOut(Schema):
    evaluator_id: int
    declared_at: datetime | None
    recused: bool
    submitted_at: datetime | None


class DeclarationIn(Schema):
    supplier_id: int
    conflict: bool
    details: str = ""


class DeclarationsIn(Schema):
    declarations: list[DeclarationIn]


class ScoreIn(Schema):
    bid_id: int
    criterion: str
    value: Decimal
    justification: str


class ScoreOut(Schema):
    bid_id: int
    criterion: str
    value: Decimal
    justification: str


class EligibilityIn(Schema):
    eligible: bool
    note: str = ""


class ExplanationIn(Schema):
    explanation: str


class AwardIn(Schema):
    reasons: str


class AwardOut(Schema):
    winner: str
    reasons: str
    decided_at: datetime
    standstill_end: datetime
    ranking: dict[str, Any]


class CellOut(Schema):
    bid_id: int
    bidder: str
    criterion: str
    scores: list[Decimal]
    spread: float
    consensus: Decimal | None


def _evaluation_call(call: Any) -> Any:
    try:
        return call()
    except TenderingError as exc:
        raise HttpError(409, str(exc)) from None


@router.post("/tenders/{tender_id}/committee", response=list[SeatOut], summary="Appoint evaluators")
def committee_assign(request: HttpRequest, tender_id: int, payload: CommitteeIn) -> Any:
    tender = _tender(request, tender_id)
    _evaluation_call(
        lambda: evaluation.committee_assign(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, evaluator_ids=payload.evaluator_ids
        )
    )
    return list(tender.evaluators.all())


@router.post("/tenders/{tender_id}/declarations", response=SeatOut, summary="Declare conflicts of interest")
def conflicts_declare(request: HttpRequest, tender_id: int, payload: DeclarationsIn) -> Any:
    tender = _tender(request, tender_id)
    declarations = {d.supplier_id: (d.conflict, d.details) for d in payload.declarations}
    return _evaluation_call(
        lambda: evaluation.conflicts_declare(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, declarations=declarations
        )
    )


@router.put("/tenders/{tender_id}/scores", response=ScoreOut, summary="Save one of your scores")
def score_save(request: HttpRequest, tender_id: int, payload: ScoreIn) -> Any:
    tender = _tender(request, tender_id)
    return _evaluation_call(
        lambda: evaluation.score_save(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            bid_id=payload.bid_id,
            criterion=payload.criterion,
            value=payload.value,
            justification=payload.justification,
        )
    )


@router.post("/tenders/{tender_id}/scores/submit", response=SeatOut, summary="Submit and lock your scores")
def scores_submit(request: HttpRequest, tender_id: int) -> Any:
    tender = _tender(request, tender_id)
    return _evaluation_call(
        lambda: evaluation.scores_submit(actor=permissions.signed_in_user(request), tender_id=tender.pk)
    )


@router.get("/tenders/{tender_id}/moderation", response=list[CellOut], summary="Every submitted score")
def moderation(request: HttpRequest, tender_id: int) -> list[dict[str, Any]]:
    tender = _tender(request, tender_id)
    seat = evaluation.seat_of(request.user, tender)
    if not permissions.can_manage_tenders(request.user) and (seat is None or seat.submitted_at is None):
        raise PermissionDenied("The scores are shown to evaluators once they have submitted their own.")
    return [
        {
            "bid_id": row["bid"].pk,
            "bidder": row["bid"].supplier.name,
            "criterion": row["criterion"].key,
            "scores": [s.value for s in row["scores"]],
            "spread": row["spread"],
            "consensus": row["consensus"],
        }
        for row in evaluation.moderation_rows(tender)
    ]


@router.put("/tenders/{tender_id}/consensus", response=ScoreOut, summary="Record a moderated score")
def consensus_set(request: HttpRequest, tender_id: int, payload: ScoreIn) -> Any:
    tender = _tender(request, tender_id)
    return _evaluation_call(
        lambda: evaluation.consensus_set(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            bid_id=payload.bid_id,
            criterion=payload.criterion,
            value=payload.value,
            justification=payload.justification,
        )
    )


@router.put("/tenders/{tender_id}/bids/{bid_id}/eligibility", response=CountOut, summary="Record eligibility")
def eligibility_set(request: HttpRequest, tender_id: int, bid_id: int, payload: EligibilityIn) -> dict[str, int]:
    tender = _tender(request, tender_id)
    _evaluation_call(
        lambda: evaluation.eligibility_set(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            bid_id=bid_id,
            eligible=payload.eligible,
            note=payload.note,
        )
    )
    return {"bids": len([b for b in evaluation.current_bids(tender) if b.eligible is not None])}


@router.put("/tenders/{tender_id}/bids/{bid_id}/price-explanation", response=CountOut, summary="Record it")
def price_explanation_set(request: HttpRequest, tender_id: int, bid_id: int, payload: ExplanationIn) -> dict[str, int]:
    tender = _tender(request, tender_id)
    _evaluation_call(
        lambda: evaluation.price_explanation_set(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            bid_id=bid_id,
            explanation=payload.explanation,
        )
    )
    return {"bids": 1}


@router.get("/tenders/{tender_id}/ranking", response=dict[str, Any], summary="The ranking (PPP unit)")
def ranking(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    if not permissions.can_manage_tenders(request.user):
        raise PermissionDenied("Only the PPP unit sees the ranking before the award.")
    if tender.status == TenderStatus.AWARDED:
        return dict(tender.current_award.ranking)
    if not evaluation.all_submitted(tender):
        raise HttpError(409, "The ranking exists once every evaluator has submitted.")
    result, _by_name = evaluation.ranking_for(tender)
    return {**result.as_dict(), "blockers": evaluation.award_blockers(tender)}


@router.post("/tenders/{tender_id}/award", response=AwardOut, summary="Award to the top-ranked bid")
def award_decide(request: HttpRequest, tender_id: int, payload: AwardIn) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    award = _evaluation_call(
        lambda: evaluation.award_decide(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, reasons=payload.reasons
        )
    )
    return {
        "winner": award.bid.supplier.name,
        "reasons": award.reasons,
        "decided_at": award.decided_at,
        "standstill_end": award.standstill_end,
        "ranking": award.ranking,
    }


@router.get("/tenders/{tender_id}/debrief", response=dict[str, Any], summary="Your points against the winner's")
def debrief(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    report = evaluation.debrief(actor=request.user, tender=_tender(request, tender_id))
    if report is None:
        raise Http404("No debrief: the tender is not awarded, or you did not bid.")
    return {
        "won": report["won"],
        "own_total": report["own"]["total"],
        "own_rank": report["own"]["rank"],
        "winner_total": report["winner"]["total"],
        "criteria": [{"criterion": name, "own": own, "winner": theirs} for name, own, theirs in report["rows"]],
    }


class ComplaintIn(Schema):
    grounds: str
    evidence: str = ""
    remedy: str


class ComplaintDecisionIn(Schema):
    upheld: bool
    decision: str


class ComplaintOut(Schema):
    id: int
    bidder: str = Field(alias="bid.supplier.name")
    grounds: str
    evidence: str
    remedy: str
    status: str
    decision: str
    lodged_at: datetime
    decided_at: datetime | None


@router.get("/tenders/{tender_id}/complaints", response=list[ComplaintOut], summary="Complaints (PPP unit: all)")
def complaint_list(request: HttpRequest, tender_id: int) -> Any:
    tender = _tender(request, tender_id)
    complaints = tender.complaints.select_related("bid__supplier")
    if permissions.can_manage_tenders(request.user):
        return complaints
    return complaints.filter(bid__supplier__in=permissions.supplier_organisations(request.user))


@router.post("/tenders/{tender_id}/complaints", response={201: ComplaintOut}, summary="Lodge a complaint")
def complaint_lodge(request: HttpRequest, tender_id: int, payload: ComplaintIn) -> Status[Any]:
    tender = _tender(request, tender_id)
    complaint = _evaluation_call(
        lambda: evaluation.complaint_lodge(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, **payload.dict()
        )
    )
    return Status(201, complaint)


@router.post("/complaints/{complaint_id}/decide", response=ComplaintOut, summary="Uphold or dismiss a complaint")
def complaint_decide(request: HttpRequest, complaint_id: int, payload: ComplaintDecisionIn) -> Any:
    try:
        return _evaluation_call(
            lambda: evaluation.complaint_decide(
                actor=permissions.signed_in_user(request),
                complaint_id=complaint_id,
                upheld=payload.upheld,
                decision=payload.decision,
            )
        )
    except Complaint.DoesNotExist:
        raise Http404("No such complaint.") from None


class CancelIn(Schema):
    reasons: str


@router.post("/tenders/{tender_id}/cancel", response=TenderOut, summary="Cancel, with published reasons")
def tender_cancel(request: HttpRequest, tender_id: int, payload: CancelIn) -> Any:
    _tender(request, tender_id)
    return _evaluation_call(
        lambda: services.tender_cancel(
            actor=permissions.signed_in_user(request), tender_id=tender_id, reasons=payload.reasons
        )
    )


# --- stages and the Swiss challenge ----------------------------------------------------------------------------------


class ReasonsIn(Schema):
    reasons: str


class KeptOut(Schema):
    name: str
    rank: int | None
    total: float
    payment: str | None = None


class NotKeptOut(Schema):
    name: str
    rank: int | None
    reason: str


class StageResultOut(Schema):
    stage: str
    reasons: str
    decided_at: datetime
    kept: list[KeptOut]
    not_kept: list[NotKeptOut] | None = Field(None, description="PPP unit only")


def _stage_result(request: HttpRequest, tender: Tender) -> dict[str, Any]:
    result = tender.stage_result
    return {
        "stage": tender.stage,
        "reasons": result.reasons,
        "decided_at": result.decided_at,
        "kept": result.kept,
        "not_kept": result.not_kept if permissions.can_manage_tenders(request.user) else None,
    }


@router.post("/tenders/{tender_id}/stage/close", response=StageResultOut, summary="Close a stage: keep the best")
def stage_close(request: HttpRequest, tender_id: int, payload: ReasonsIn) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    _evaluation_call(
        lambda: stages.stage_close(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, reasons=payload.reasons
        )
    )
    tender.refresh_from_db()
    return _stage_result(request, tender)


@router.get(
    "/tenders/{tender_id}/stage/result", response=StageResultOut, auth=PUBLIC, summary="Who a stage kept, and why"
)
def stage_result(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    if tender.status != TenderStatus.COMPLETED:
        raise Http404("This stage has no down-selection (yet).")
    return _stage_result(request, tender)


@router.post("/tenders/{tender_id}/stage/next", response={201: TenderOut}, summary="Draft the next stage")
def stage_next(request: HttpRequest, tender_id: int, payload: NextStageIn) -> Status[Tender]:
    tender = _tender(request, tender_id)
    fields = {k: v for k, v in payload.dict().items() if v is not None}
    created = _evaluation_call(
        lambda: stages.stage_next(actor=permissions.signed_in_user(request), tender_id=tender.pk, **fields)
    )
    created.refresh_from_db()
    return Status(201, created)


class MatchIn(Schema):
    match: bool = Field(description="true: match the best competing offer; false: decline")


class MatchOut(Schema):
    offered_at: datetime
    deadline: datetime
    response: str = Field(description="empty while awaited; matched or declined")
    best_price: Decimal | None = Field(None, description="The price to match: PPP unit and proponent only")


def _match(request: HttpRequest, tender: Tender) -> dict[str, Any]:
    match = tender.swiss_match
    proponent = any(org.pk == tender.proponent_id for org in permissions.supplier_organisations(request.user))
    sees_price = proponent or permissions.can_manage_tenders(request.user)
    return {
        "offered_at": match.offered_at,
        "deadline": match.deadline,
        "response": match.response,
        "best_price": match.best_price if sees_price else None,
    }


@router.post("/tenders/{tender_id}/match/offer", response=MatchOut, summary="Offer the proponent its right to match")
def match_offer(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    _evaluation_call(lambda: stages.swiss_match_offer(actor=permissions.signed_in_user(request), tender_id=tender.pk))
    tender.refresh_from_db()
    return _match(request, tender)


@router.get("/tenders/{tender_id}/match", response=MatchOut, auth=PUBLIC, summary="The right to match, if offered")
def match_get(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    if not hasattr(tender, "swiss_match"):
        raise Http404("No right to match has been offered on this tender.")
    return _match(request, tender)


@router.post("/tenders/{tender_id}/match/respond", response=MatchOut, summary="The proponent matches or declines")
def match_respond(request: HttpRequest, tender_id: int, payload: MatchIn) -> dict[str, Any]:
    tender = _tender(request, tender_id)
    _evaluation_call(
        lambda: stages.swiss_match_respond(
            actor=permissions.signed_in_user(request), tender_id=tender.pk, match=payload.match
        )
    )
    tender.refresh_from_db()
    return _match(request, tender)


# --- tender documents ------------------------------------------------------------------------------------------------


class TenderDocumentOut(Schema):
    id: int
    title: str
    document_type: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    url: str = Field(description="Download link (public once the tender is published)")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return services.document_url(obj)


@router.get("/tenders/{tender_id}/documents", response=list[TenderDocumentOut], auth=PUBLIC, summary="Documents")
def document_list(request: HttpRequest, tender_id: int) -> Any:
    return _tender(request, tender_id).documents.all()


@router.post(
    "/tenders/{tender_id}/documents",
    response={201: TenderDocumentOut},
    summary="Attach a document (multipart; to a published tender, an amendment with its rationale)",
)
def document_attach(
    request: HttpRequest,
    tender_id: int,
    *,
    title: Form[str],
    document_type: Form[str],
    file: File[UploadedFile],
    rationale: Form[str] = "",
) -> Status[Any]:
    tender = _tender(request, tender_id)
    document = _evaluation_call(
        lambda: services.tender_document_attach(
            actor=permissions.signed_in_user(request),
            tender_id=tender.pk,
            upload=file,
            title=title,
            document_type=document_type,
            rationale=rationale,
        )
    )
    return Status(201, document)


# --- unsolicited proposals -------------------------------------------------------------------------------------------


class ProposalIn(Schema):
    title: str
    need_addressed: str
    summary: str = Field(description="Published for competing offers if accepted: no trade secrets")
    value_estimate: Decimal = Field(ge=0)
    duration_years: int = Field(ge=1, le=50)


class ProposalOut(Schema):
    id: int
    proponent: str
    title: str
    need_addressed: str
    summary: str
    value_estimate: Decimal
    duration_years: int
    status: str
    decision: str
    submitted_at: datetime
    project_id: int | None

    @staticmethod
    def resolve_proponent(obj: Any) -> str:
        return str(obj.proponent.name)


class ProposalDecisionIn(Schema):
    accept: bool
    reasons: str
    department_id: int | None = Field(None, description="The department that takes it on (to accept)")


@router.get("/proposals", response=list[ProposalOut], summary="Unsolicited proposals (a supplier: its own)")
def proposal_list(request: HttpRequest) -> Any:
    if not (permissions.is_city_staff(request.user) or permissions.supplier_organisations(request.user)):
        raise PermissionDenied("Unsolicited proposals are for their proponents and city staff.")
    return list(proposals.proposals_visible(actor=request.user))


@router.post("/proposals", response={201: ProposalOut}, summary="Propose a project (a verified supplier)")
def proposal_submit(request: HttpRequest, payload: ProposalIn) -> Status[Any]:
    return Status(201, proposals.proposal_submit(actor=permissions.signed_in_user(request), **payload.dict()))


def _proposal(request: HttpRequest, proposal_id: int) -> Any:
    proposal = proposals.proposals_visible(actor=request.user).filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


@router.get("/proposals/{proposal_id}", response=ProposalOut, summary="A proposal")
def proposal_get(request: HttpRequest, proposal_id: int) -> Any:
    return _proposal(request, proposal_id)


@router.post("/proposals/{proposal_id}/decision", response=ProposalOut, summary="Accept or decline (PPP unit)")
def proposal_decide(request: HttpRequest, proposal_id: int, payload: ProposalDecisionIn) -> Any:
    proposal = _proposal(request, proposal_id)
    return _evaluation_call(
        lambda: proposals.proposal_decide(
            actor=permissions.signed_in_user(request),
            proposal_id=proposal.pk,
            accept=payload.accept,
            reasons=payload.reasons,
            department_id=payload.department_id,
        )
    )
