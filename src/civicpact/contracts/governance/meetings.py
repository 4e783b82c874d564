"""Governance bodies with their cadence and members, their meetings (scheduled, then held with minutes) and the
decisions of a meeting held (one that names a dispute resolves it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.accounts.models import User
from civicpact.contracts.governance.disputes import _open, _resolve
from civicpact.contracts.governance.shared import (
    _check_version,
    _choice,
    _manager_only,
    _required,
    _save,
    _touch,
)
from civicpact.contracts.models import (
    Contract,
    Decision,
    Dispute,
    GovernanceBody,
    Meeting,
)
from civicpact.domain import governance as rules
from civicpact.domain.contracts import ContractStatus
from civicpact.domain.governance import (
    BodyKind,
    Cadence,
    DecisionStatus,
)
from civicpact.ledger.services import audit_append
from civicpact.util import upload_digest


def _members(raw: Iterable[Any]) -> list[dict[str, str]]:
    members = []
    for index, entry in enumerate(raw):
        name = str(entry.get("name", "") if isinstance(entry, Mapping) else entry).strip()
        organisation = str(entry.get("organisation", "") if isinstance(entry, Mapping) else "").strip()
        if not name:
            raise ValidationError({f"members[{index}]": _("Each member needs a name.")})
        members.append({"name": name[:200], "organisation": organisation[:200]})
    return members


def body_create(
    *,
    actor: User,
    contract_id: int,
    kind: str,
    name: str,
    cadence: str,
    members: Iterable[Any] = (),
    established: date | None = None,
) -> GovernanceBody:
    """A governance body of the contract, with its cadence and members."""
    _manager_only(actor, _("set up governance bodies"))
    _required(name=name)
    body_kind, every = _choice(BodyKind, kind, "kind"), _choice(Cadence, cadence, "cadence")
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
            raise ValidationError(
                {"contract": _("Governance bodies are set up for a contract being signed or in force.")}
            )
        if GovernanceBody.objects.filter(contract=contract, name=name.strip()).exists():
            raise ValidationError({"name": _("This contract already has a body with this name.")})
        body = GovernanceBody(
            contract=contract,
            kind=body_kind,
            name=name.strip()[:200],
            cadence=every,
            members=_members(members),
            established=established or timezone.localdate(),
            created_by=actor,
        )
        _save(body)
        audit_append(
            actor=actor,
            action="contract.body_create",
            obj=contract,
            payload={"body": body.name, "kind": body.kind, "cadence": body.cadence},
        )
        return body


def _attendees(raw: Iterable[Any]) -> list[str]:
    return [str(a).strip()[:200] for a in raw if str(a).strip()]


def _attach_minutes(meeting: Meeting, document: UploadedFile | None) -> None:
    if document is not None:
        _size, meeting.minutes_sha256 = upload_digest(document, settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES)
        meeting.minutes_document = document


def _held_check(on: date, minutes: str, document: UploadedFile | None) -> None:
    refused = rules.meeting_refusal(held=True, on=on, today=timezone.localdate())
    if refused:
        raise ValidationError({"date": refused})
    if not minutes.strip() and document is None:
        raise ValidationError({"minutes": _("A meeting held has minutes: write them or attach the document.")})


def meeting_create(
    *,
    actor: User,
    body_id: int,
    date: date,
    held: bool,
    agenda: str = "",
    minutes: str = "",
    attendees: Iterable[Any] = (),
    document: UploadedFile | None = None,
) -> Meeting:
    """Schedule a meeting, or record one already held (with its minutes; never on a future date)."""
    _manager_only(actor, _("schedule and record governance meetings"))
    if held:
        _held_check(date, minutes, document)
    with transaction.atomic():
        body = GovernanceBody.objects.select_for_update(of=("self",)).select_related("contract").get(pk=body_id)
        meeting = Meeting(
            body=body,
            date=date,
            held=held,
            agenda=agenda.strip(),
            minutes=minutes.strip() if held else "",
            attendees=_attendees(attendees) if held else [],
            updated_by=actor,
            updated_at=timezone.now(),
        )
        if held:
            _attach_minutes(meeting, document)
        _save(meeting)
        audit_append(
            actor=actor,
            action="contract.meeting_hold" if held else "contract.meeting_schedule",
            obj=body.contract,
            payload={"body": body.name, "date": date.isoformat(), "minutes_sha256": meeting.minutes_sha256},
        )
        return meeting


def meeting_record(
    *,
    actor: User,
    meeting_id: int,
    expected_version: int | None,
    minutes: str,
    attendees: Iterable[Any] = (),
    document: UploadedFile | None = None,
) -> Meeting:
    """A scheduled meeting took place: its minutes (text and/or a document) and attendees."""
    _manager_only(actor, _("record governance meetings"))
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("body__contract", "updated_by")
            .get(pk=meeting_id)
        )
        _check_version(meeting, expected_version, _("The meeting"))
        _held_check(meeting.date, minutes, document)
        meeting.held, meeting.minutes, meeting.attendees = True, minutes.strip(), _attendees(attendees)
        _attach_minutes(meeting, document)
        _touch(meeting, actor)
        _save(meeting)
        audit_append(
            actor=actor,
            action="contract.meeting_hold",
            obj=meeting.body.contract,
            payload={"body": meeting.body.name, "date": meeting.date.isoformat()},
        )
        return meeting


def decision_add(
    *,
    actor: User,
    meeting_id: int,
    text: str,
    owner: str,
    due_date: date | None,
    dispute_id: int | None = None,
) -> Decision:
    """A decision of a meeting held, with its owner and due date; one that settles a dispute resolves it, with
    the meeting as where it was agreed."""
    _manager_only(actor, _("record decisions"))
    errors = {
        name: message
        for name, value, message in (
            ("text", text, _("Say what was decided.")),
            ("owner", owner, _("Every decision has an owner: who carries it out.")),
        )
        if not str(value or "").strip()
    }
    if due_date is None:
        errors["due_date"] = _("Give the date it is due by (YYYY-MM-DD).")
    if errors:
        raise ValidationError(errors)
    assert due_date is not None  # noqa: S101  (checked just above; for the type checker)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body__contract").get(pk=meeting_id)
        contract = meeting.body.contract
        if not meeting.held:
            raise ValidationError({"meeting": _("Decisions are recorded for a meeting held.")})
        dispute = None
        if dispute_id is not None:
            dispute = Dispute.objects.select_for_update().filter(pk=dispute_id, contract=contract).first()
            if dispute is None:
                raise ValidationError({"dispute": _("No dispute of this contract has this id.")})
            _open(dispute, "dispute")
        decision = Decision(
            meeting=meeting,
            text=text.strip(),
            owner=owner.strip()[:200],
            due_date=due_date,
            dispute=dispute,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        _save(decision)
        audit_append(
            actor=actor,
            action="contract.decision_add",
            obj=contract,
            payload={"body": meeting.body.name, "date": meeting.date.isoformat(), "owner": decision.owner},
        )
        if dispute is not None:
            attendees = ", ".join(meeting.attendees)
            _resolve(
                dispute,
                actor=actor,
                outcome=decision.text,
                agreed_by=f"{meeting.body.name}, meeting of {meeting.date:%d %b %Y}"
                + (f" ({attendees})" if attendees else ""),
                meeting=meeting,
            )
        return decision


def decision_update(*, actor: User, decision_id: int, expected_version: int | None, status: str) -> Decision:
    _manager_only(actor, _("update decisions"))
    new = _choice(DecisionStatus, status, "status")
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(of=("self",))
            .select_related("meeting__body__contract", "updated_by")
            .get(pk=decision_id)
        )
        _check_version(decision, expected_version, _("The decision"))
        decision.status = new
        _touch(decision, actor)
        _save(decision)
        audit_append(
            actor=actor,
            action="contract.decision_update",
            obj=decision.meeting.body.contract,
            payload={"decision": decision.pk, "status": new.value},
        )
        return decision


@dataclass(frozen=True)
class BodyRow:
    body: GovernanceBody
    meetings: list[Meeting]
    last_held: date | None
    next_due: date
    overdue: bool


def body_rows(contract: Contract, today: date) -> list[BodyRow]:
    bodies = list(
        contract.bodies.prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.prefetch_related(
                    Prefetch("decisions", queryset=Decision.objects.select_related("dispute"))
                ).order_by("-date", "-pk"),
            )
        )
    )
    schedules = []
    for body in bodies:
        held = [m.date for m in body.meetings.all() if m.held]
        schedules.append(rules.BodySchedule(body.pk, Cadence(body.cadence), body.established, max(held, default=None)))
    overdue = set(rules.overdue_bodies(schedules, today))
    return [
        BodyRow(
            body=body,
            meetings=list(body.meetings.all()),
            last_held=s.last_held,
            next_due=rules.next_meeting_due(s.cadence, s.established, s.last_held),
            overdue=body.pk in overdue,
        )
        for body, s in zip(bodies, schedules, strict=True)
    ]
