"""Contracts through the API: the same services, checks and refusals as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from civicpact.accounts import permissions
from civicpact.contracts import governance, selectors, services
from civicpact.contracts.models import Contract, ContractVersion, Decision, Dispute, ExitPlan, GovernanceBody, Meeting
from civicpact.pipeline.models import Project

router = Router(tags=["contracts"])


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    try:
        return selectors.contract_get(actor=request.user, pk=contract_id)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None


def _call(call: Any) -> Any:
    try:
        return call()
    except services.ContractError as exc:
        raise HttpError(409, str(exc)) from None


class PartyIn(Schema):
    organisation: int = Field(description="The organisation's id")
    role: str = Field(description="city, partner or guarantor")


class TermsIn(Schema):
    title: str
    description: str = ""
    value: Decimal = Field(ge=0)
    start_date: date
    end_date: date
    partnership_model: str
    payment_mechanisms: list[str]
    parties: list[PartyIn]


class ContractIn(TermsIn):
    project_id: int


class AmendIn(Schema):
    version: int = Field(description="The latest version's number you read; a newer one refuses (409)")
    rationale: str = Field(description="From the fixed list (see the contract version's rationale choices)")
    details: str
    title: str | None = None
    description: str | None = None
    value: Decimal | None = Field(None, ge=0)
    start_date: date | None = None
    end_date: date | None = None
    partnership_model: str | None = None
    payment_mechanisms: list[str] | None = None
    parties: list[PartyIn] | None = None


class SignIn(Schema):
    version: int
    organisation: int
    signatory_name: str
    signatory_title: str = ""
    signed_at: datetime | None = Field(None, description="When it was signed (default: now)")


class SignatureOut(Schema):
    organisation: int = Field(alias="organisation_id")
    signatory_name: str
    signatory_title: str
    signed_at: datetime


class VersionOut(Schema):
    number: int
    title: str
    description: str
    value: Decimal
    start_date: date
    end_date: date
    partnership_model: str
    payment_mechanisms: list[str]
    parties: list[dict[str, Any]]
    rationale: str
    details: str
    changes: list[str]
    created_at: datetime
    signatures: list[SignatureOut]

    @staticmethod
    def resolve_signatures(obj: ContractVersion) -> list[Any]:
        return list(obj.signatures.all())


class ContractOut(Schema):
    id: int
    project_id: int
    award_id: int | None
    status: str
    entered_directly: bool
    version: int
    in_force: int | None
    latest: VersionOut


@router.get("/contracts", response=list[ContractOut], summary="Contracts (a partner: its own)")
def contract_list(request: HttpRequest) -> Any:
    if not (permissions.can_view_all_contracts(request.user) or permissions.supplier_organisations(request.user)):
        raise HttpError(403, "Contracts are for city staff and the contracts' own partners.")
    return list(selectors.contract_list(actor=request.user))


@router.get("/contracts/{contract_id}", response=ContractOut, summary="A contract with its latest version")
def contract_get(request: HttpRequest, contract_id: int) -> Contract:
    return _contract(request, contract_id)


@router.get("/contracts/{contract_id}/versions", response=list[VersionOut], summary="Every version, kept")
def version_list(request: HttpRequest, contract_id: int) -> Any:
    return list(_contract(request, contract_id).versions.order_by("number"))


@router.post("/contracts", response={201: ContractOut}, summary="Enter a contract signed before CivicPact")
def contract_create(request: HttpRequest, payload: ContractIn) -> Status[Contract]:
    data = payload.dict()
    project_id, parties = data.pop("project_id"), data.pop("parties")
    try:
        contract = services.contract_create(
            actor=permissions.signed_in_user(request), project_id=project_id, parties=parties, **data
        )
    except Project.DoesNotExist:
        raise Http404("No such project.") from None
    return Status(201, contract)


@router.post("/contracts/{contract_id}/versions", response={201: VersionOut}, summary="Amend: a new version")
def contract_amend(request: HttpRequest, contract_id: int, payload: AmendIn) -> Status[Any]:
    contract = _contract(request, contract_id)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    version, rationale, details = data.pop("version"), data.pop("rationale"), data.pop("details")
    created = _call(
        lambda: services.contract_amend(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            expected_version=version,
            rationale=rationale,
            details=details,
            **data,
        )
    )
    return Status(201, created)


@router.post(
    "/contracts/{contract_id}/signatures", response={201: SignatureOut}, summary="Sign, or record a signature"
)
def contract_sign(request: HttpRequest, contract_id: int, payload: SignIn) -> Status[Any]:
    contract = _contract(request, contract_id)
    signature = _call(
        lambda: services.contract_sign(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            number=payload.version,
            organisation_id=payload.organisation,
            signatory_name=payload.signatory_name,
            signatory_title=payload.signatory_title,
            signed_at=payload.signed_at,
        )
    )
    return Status(201, signature)


class MilestoneIn(Schema):
    kind: str = Field(
        description="mobilisation, knowledge_transfer, system_migration, staff_transition, go_live, delivery"
    )
    title: str
    planned_date: date
    payment_percent: Decimal | None = Field(None, description="Share of the value paid on acceptance")


class PlanIn(Schema):
    milestones: list[MilestoneIn]


class MilestoneOut(Schema):
    id: int
    kind: str
    title: str
    planned_date: date
    actual_date: date | None
    payment_percent: Decimal | None
    accepted: bool | None
    decision_note: str
    payable: Decimal | None
    state: str


class ReportIn(Schema):
    actual_date: date


class DecisionIn(Schema):
    accept: bool
    note: str = ""


@router.get("/contracts/{contract_id}/milestones", response=list[MilestoneOut], summary="Milestones")
def milestone_list(request: HttpRequest, contract_id: int) -> Any:
    return list(_contract(request, contract_id).milestones.all())


@router.put("/contracts/{contract_id}/milestones", response=list[MilestoneOut], summary="Plan the milestones")
def milestones_plan(request: HttpRequest, contract_id: int, payload: PlanIn) -> Any:
    contract = _contract(request, contract_id)
    _call(
        lambda: services.milestones_plan(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            items=[m.dict() for m in payload.milestones],
        )
    )
    return list(contract.milestones.all())


def _milestone_of(request: HttpRequest, contract_id: int, milestone_id: int) -> Any:
    milestone = _contract(request, contract_id).milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


@router.post(
    "/contracts/{contract_id}/milestones/{milestone_id}/report", response=MilestoneOut, summary="Report achieved"
)
def milestone_report(request: HttpRequest, contract_id: int, milestone_id: int, payload: ReportIn) -> Any:
    milestone = _milestone_of(request, contract_id, milestone_id)
    return _call(
        lambda: services.milestone_report(
            actor=permissions.signed_in_user(request), milestone_id=milestone.pk, actual_date=payload.actual_date
        )
    )


@router.post(
    "/contracts/{contract_id}/milestones/{milestone_id}/decision", response=MilestoneOut, summary="Accept or refuse"
)
def milestone_decide(request: HttpRequest, contract_id: int, milestone_id: int, payload: DecisionIn) -> Any:
    milestone = _milestone_of(request, contract_id, milestone_id)
    return _call(
        lambda: services.milestone_decide(
            actor=permissions.signed_in_user(request),
            milestone_id=milestone.pk,
            accept=payload.accept,
            note=payload.note,
        )
    )


# --- governance: disputes, meetings and decisions, the exit plan (contracts/governance/) -----------------------------
# Not public: the contract's managers, its partner and auditors read; 404 for another partner's contract, 403 for
# others; a stale `version` is refused with 409 naming who changed the row and when.


def _governed(request: HttpRequest, contract_id: int) -> Contract:
    contract = _contract(request, contract_id)
    if not governance.can_read(request.user, contract):
        raise HttpError(403, "Governance is for the contract's managers, its partner and auditors.")
    return contract


def _dispute_of(request: HttpRequest, contract_id: int, number: int) -> Dispute:
    dispute = _governed(request, contract_id).disputes.filter(number=number).first()
    if dispute is None:
        raise Http404("No such dispute.")
    return dispute


class DisputeStepOut(Schema):
    kind: str
    level: str
    deadline: date | None
    note: str
    meeting_id: int | None
    party: str
    at: datetime

    @staticmethod
    def resolve_party(obj: Any) -> str:
        return str(obj.party.name)


class DisputeOut(Schema):
    number: int
    version: int
    subject: str
    description: str
    amount: Decimal | None
    clause: str
    raised_for: str
    raised_at: datetime
    level: str
    level_reached: date
    deadline: date
    overdue: bool
    failed_to_agree: bool
    status: str
    outcome: str
    agreed_by: str
    steps: list[DisputeStepOut]

    @staticmethod
    def resolve_raised_for(obj: Dispute) -> str:
        return str(obj.raised_for.name)

    @staticmethod
    def resolve_overdue(obj: Dispute) -> bool:
        return obj.status == "open" and timezone.localdate() > obj.deadline

    @staticmethod
    def resolve_steps(obj: Dispute) -> list[Any]:
        return list(obj.steps.all())


class DisputeIn(Schema):
    subject: str
    description: str
    amount: Decimal | None = Field(None, ge=0, description="The amount in question, if any")
    clause: str = Field("", description="The clause in question, if any")


class DisputeStepIn(Schema):
    version: int = Field(description="The dispute's version you read; a newer one refuses (409)")
    note: str = Field("", description="What the level could not agree on (failure to agree)")
    meeting_id: int | None = Field(None, description="The governance meeting where it was discussed")


class EscalationIn(Schema):
    version: int
    level: str | None = Field(None, description="The next rung (default); skipping or going down is refused")
    reason: str


class ResolutionIn(Schema):
    version: int
    outcome: str
    agreed_by: str
    meeting_id: int | None = None


class WithdrawalIn(Schema):
    version: int
    reason: str


@router.get("/contracts/{contract_id}/disputes", response=list[DisputeOut], summary="Disputes (not public)")
def dispute_list(request: HttpRequest, contract_id: int) -> Any:
    return governance.dispute_list(_governed(request, contract_id))


@router.get("/contracts/{contract_id}/disputes/{number}", response=DisputeOut, summary="A dispute and its steps")
def dispute_get(request: HttpRequest, contract_id: int, number: int) -> Any:
    return _dispute_of(request, contract_id, number)


@router.post("/contracts/{contract_id}/disputes", response={201: DisputeOut}, summary="Raise a dispute")
def dispute_raise(request: HttpRequest, contract_id: int, payload: DisputeIn) -> Status[Any]:
    contract = _governed(request, contract_id)
    dispute = _call(
        lambda: governance.dispute_raise(
            actor=permissions.signed_in_user(request), contract_id=contract.pk, **payload.dict()
        )
    )
    return Status(201, dispute)


@router.post(
    "/contracts/{contract_id}/disputes/{number}/failure-to-agree",
    response=DisputeOut,
    summary="Record the level's failure to agree",
)
def dispute_failure(request: HttpRequest, contract_id: int, number: int, payload: DisputeStepIn) -> Any:
    dispute = _dispute_of(request, contract_id, number)
    return _call(
        lambda: governance.dispute_record_failure(
            actor=permissions.signed_in_user(request),
            dispute_id=dispute.pk,
            expected_version=payload.version,
            note=payload.note,
            meeting_id=payload.meeting_id,
        )
    )


@router.post(
    "/contracts/{contract_id}/disputes/{number}/discussion",
    response=DisputeOut,
    summary="Link the governance meeting that discussed it",
)
def dispute_discuss(request: HttpRequest, contract_id: int, number: int, payload: DisputeStepIn) -> Any:
    dispute = _dispute_of(request, contract_id, number)
    return _call(
        lambda: governance.dispute_discuss(
            actor=permissions.signed_in_user(request),
            dispute_id=dispute.pk,
            expected_version=payload.version,
            meeting_id=payload.meeting_id,
            note=payload.note,
        )
    )


@router.post("/contracts/{contract_id}/disputes/{number}/escalation", response=DisputeOut, summary="Escalate")
def dispute_escalate(request: HttpRequest, contract_id: int, number: int, payload: EscalationIn) -> Any:
    dispute = _dispute_of(request, contract_id, number)
    return _call(
        lambda: governance.dispute_escalate(
            actor=permissions.signed_in_user(request),
            dispute_id=dispute.pk,
            expected_version=payload.version,
            level=payload.level,
            reason=payload.reason,
        )
    )


@router.post("/contracts/{contract_id}/disputes/{number}/resolution", response=DisputeOut, summary="Resolve")
def dispute_resolve(request: HttpRequest, contract_id: int, number: int, payload: ResolutionIn) -> Any:
    dispute = _dispute_of(request, contract_id, number)
    return _call(
        lambda: governance.dispute_resolve(
            actor=permissions.signed_in_user(request),
            dispute_id=dispute.pk,
            expected_version=payload.version,
            outcome=payload.outcome,
            agreed_by=payload.agreed_by,
            meeting_id=payload.meeting_id,
        )
    )


@router.post("/contracts/{contract_id}/disputes/{number}/withdrawal", response=DisputeOut, summary="Withdraw")
def dispute_withdraw(request: HttpRequest, contract_id: int, number: int, payload: WithdrawalIn) -> Any:
    dispute = _dispute_of(request, contract_id, number)
    return _call(
        lambda: governance.dispute_withdraw(
            actor=permissions.signed_in_user(request),
            dispute_id=dispute.pk,
            expected_version=payload.version,
            reason=payload.reason,
        )
    )


class MemberIn(Schema):
    name: str
    organisation: str = ""


class BodyIn(Schema):
    kind: str = Field(
        description="executive_steering, operational_management, technical_oversight, financial_oversight"
    )
    name: str
    cadence: str = Field(description="monthly, bimonthly, quarterly, half_yearly, yearly")
    members: list[MemberIn] = []
    established: date | None = None


class BodyOut(Schema):
    id: int
    kind: str
    name: str
    cadence: str
    members: list[dict[str, str]]
    established: date


class DecisionOut(Schema):
    id: int
    version: int
    text: str
    owner: str
    due_date: date
    status: str
    dispute_number: int | None

    @staticmethod
    def resolve_dispute_number(obj: Decision) -> int | None:
        return obj.dispute.number if obj.dispute else None


class MeetingOut(Schema):
    id: int
    version: int
    body_id: int
    body: str
    date: date
    held: bool
    agenda: str
    minutes: str
    minutes_sha256: str
    attendees: list[str]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_body(obj: Meeting) -> str:
        return str(obj.body.name)

    @staticmethod
    def resolve_decisions(obj: Meeting) -> list[Any]:
        return list(obj.decisions.all())


class MeetingIn(Schema):
    body_id: int
    date: date
    held: bool = False
    agenda: str = ""
    minutes: str = ""
    attendees: list[str] = []


class MeetingDecisionIn(Schema):
    text: str
    owner: str
    due_date: date | None = None
    dispute_number: int | None = Field(None, description="The dispute this decision resolves, if any")


@router.get("/contracts/{contract_id}/governance-bodies", response=list[BodyOut], summary="Governance bodies")
def body_list(request: HttpRequest, contract_id: int) -> Any:
    return list(_governed(request, contract_id).bodies.all())


@router.post("/contracts/{contract_id}/governance-bodies", response={201: BodyOut}, summary="Set up a body")
def body_create(request: HttpRequest, contract_id: int, payload: BodyIn) -> Status[GovernanceBody]:
    contract = _governed(request, contract_id)
    data = payload.dict()
    body = governance.body_create(actor=permissions.signed_in_user(request), contract_id=contract.pk, **data)
    return Status(201, body)


def _meetings(contract: Contract) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(body__contract=contract)
        .select_related("body")
        .prefetch_related("decisions__dispute")
        .order_by("-date", "-pk")
    )


@router.get("/contracts/{contract_id}/meetings", response=list[MeetingOut], summary="Meetings, newest first")
def meeting_list(request: HttpRequest, contract_id: int) -> Any:
    return list(_meetings(_governed(request, contract_id)))


@router.post("/contracts/{contract_id}/meetings", response={201: MeetingOut}, summary="Schedule or record a meeting")
def meeting_create(request: HttpRequest, contract_id: int, payload: MeetingIn) -> Status[Any]:
    contract = _governed(request, contract_id)
    if not contract.bodies.filter(pk=payload.body_id).exists():
        raise Http404("No such governance body.")
    meeting = governance.meeting_create(
        actor=permissions.signed_in_user(request),
        body_id=payload.body_id,
        date=payload.date,
        held=payload.held,
        agenda=payload.agenda,
        minutes=payload.minutes,
        attendees=payload.attendees,
    )
    return Status(201, _meetings(contract).get(pk=meeting.pk))


def _meeting_of(contract: Contract, meeting_id: int) -> Meeting:
    meeting = _meetings(contract).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


@router.get(
    "/contracts/{contract_id}/meetings/{meeting_id}/decisions", response=list[DecisionOut], summary="Decisions"
)
def decision_list(request: HttpRequest, contract_id: int, meeting_id: int) -> Any:
    return list(_meeting_of(_governed(request, contract_id), meeting_id).decisions.all())


@router.post(
    "/contracts/{contract_id}/meetings/{meeting_id}/decisions",
    response={201: DecisionOut},
    summary="Record a decision (one naming a dispute resolves it)",
)
def decision_add(request: HttpRequest, contract_id: int, meeting_id: int, payload: MeetingDecisionIn) -> Status[Any]:
    contract = _governed(request, contract_id)
    meeting = _meeting_of(contract, meeting_id)
    dispute_id = None
    if payload.dispute_number is not None:
        dispute = contract.disputes.filter(number=payload.dispute_number).first()
        if dispute is None:
            raise ValidationError({"dispute_number": "No dispute of this contract has this number."})
        dispute_id = dispute.pk
    decision = governance.decision_add(
        actor=permissions.signed_in_user(request),
        meeting_id=meeting.pk,
        text=payload.text,
        owner=payload.owner,
        due_date=payload.due_date,
        dispute_id=dispute_id,
    )
    return Status(201, decision)


class ExitItemOut(Schema):
    id: int
    version: int
    category: str
    title: str
    owner_party: str
    due_date: date
    status: str
    evidence: str
    evidence_sha256: str
    city_note: str


class ExitPlanOut(Schema):
    version: int
    summary: str
    started_at: datetime
    complete: bool
    items: list[ExitItemOut]

    @staticmethod
    def resolve_items(obj: ExitPlan) -> list[Any]:
        return list(obj.items.all())

    @staticmethod
    def resolve_complete(obj: ExitPlan) -> bool:
        progress = governance.exit_progress(obj, timezone.localdate())
        return bool(progress and progress.complete)


class ExitPlanIn(Schema):
    version: int | None = Field(None, description="The plan's version you read (none to start the plan)")
    summary: str = ""
    due_date: date | None = Field(None, description="When starting: the items' due date (default: end of term)")


class ExitItemIn(Schema):
    category: str = Field(description="data, knowledge, assets, transition, licences, staff")
    title: str
    owner_party: str = Field(description="city or partner")
    due_date: date | None = None


class ExitItemUpdateIn(Schema):
    version: int
    status: str = Field(description="planned, in_progress, submitted; the city also accepted, returned")
    evidence: str = ""
    city_note: str = ""


class ExtensionIn(Schema):
    version: int = Field(description="The contract's latest version number you read")
    new_end_date: date
    reasons: str
    value: Decimal | None = Field(None, ge=0, description="The new total value, if it changes")


class ExtensionOut(Schema):
    previous_end: date
    new_end: date
    reasons: str
    contract_version: int

    @staticmethod
    def resolve_contract_version(obj: Any) -> int:
        return int(obj.contract_version.number)


@router.get("/contracts/{contract_id}/exit-plan", response=ExitPlanOut, summary="The exit and hand-back plan")
def exit_plan_get(request: HttpRequest, contract_id: int) -> Any:
    plan = governance.exit_plan_of(_governed(request, contract_id))
    if plan is None:
        raise Http404("This contract has no exit plan yet.")
    return plan


@router.put("/contracts/{contract_id}/exit-plan", response=ExitPlanOut, summary="Start the exit plan, or edit it")
def exit_plan_put(request: HttpRequest, contract_id: int, payload: ExitPlanIn) -> Any:
    contract = _governed(request, contract_id)
    actor = permissions.signed_in_user(request)
    if governance.exit_plan_of(contract) is None:
        governance.exit_plan_start(
            actor=actor, contract_id=contract.pk, summary=payload.summary, due_date=payload.due_date
        )
    else:
        _call(
            lambda: governance.exit_plan_update(
                actor=actor, contract_id=contract.pk, expected_version=payload.version, summary=payload.summary
            )
        )
    return governance.exit_plan_of(contract)


@router.post("/contracts/{contract_id}/exit-plan/items", response={201: ExitItemOut}, summary="Add an exit item")
def exit_item_add(request: HttpRequest, contract_id: int, payload: ExitItemIn) -> Status[Any]:
    contract = _governed(request, contract_id)
    item = governance.exit_item_add(
        actor=permissions.signed_in_user(request), contract_id=contract.pk, **payload.dict()
    )
    return Status(201, item)


@router.patch(
    "/contracts/{contract_id}/exit-plan/items/{item_id}", response=ExitItemOut, summary="Update an exit item"
)
def exit_item_update(request: HttpRequest, contract_id: int, item_id: int, payload: ExitItemUpdateIn) -> Any:
    contract = _governed(request, contract_id)
    if not ExitPlan.objects.filter(contract=contract, items__pk=item_id).exists():
        raise Http404("No such exit plan item.")
    return _call(
        lambda: governance.exit_item_update(
            actor=permissions.signed_in_user(request),
            item_id=item_id,
            expected_version=payload.version,
            status=payload.status,
            evidence=payload.evidence,
            city_note=payload.city_note,
        )
    )


@router.post("/contracts/{contract_id}/extension", response={201: ExtensionOut}, summary="Extend the term")
def extension_decide(request: HttpRequest, contract_id: int, payload: ExtensionIn) -> Status[Any]:
    contract = _governed(request, contract_id)
    decision = _call(
        lambda: governance.extension_decide(
            actor=permissions.signed_in_user(request),
            contract_id=contract.pk,
            expected_version=payload.version,
            new_end_date=payload.new_end_date,
            reasons=payload.reasons,
            value=payload.value,
        )
    )
    return Status(201, decision)
