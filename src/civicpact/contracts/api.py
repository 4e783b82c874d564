"""Contracts through the API: the same services, checks and refusals as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from civicpact.accounts import permissions
from civicpact.contracts import selectors, services
from civicpact.contracts.models import Contract, ContractVersion
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
