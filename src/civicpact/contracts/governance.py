"""Contract governance: disputes on the escalation ladder, governance bodies with their meetings and decisions, and
the end of the term (an extension through the amendment service, or an exit and hand-back plan).

Writes are services `<entity>_<action>(*, actor, …)` in `transaction.atomic`, calling `full_clean()` and appending
to the audit chain in the same transaction; the rules are in `domain/governance.py`. Disputes are private: their
audit events are too. Editable rows carry a `version`; a write based on an older one is refused (`StaleGovernance`,
409) naming who changed it and when. The reads for the pages and the API are at the end (`governance_get`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from civicpact.accounts import permissions
from civicpact.accounts.models import User
from civicpact.contracts.changes import _party_of
from civicpact.contracts.models import (
    Contract,
    Decision,
    Dispute,
    DisputeStep,
    ExitItem,
    ExitPlan,
    ExtensionDecision,
    GovernanceBody,
    Meeting,
    Versioned,
)
from civicpact.contracts.selectors import is_partner
from civicpact.contracts.services import ContractError, contract_amend, contract_ocid
from civicpact.domain import governance as rules
from civicpact.domain.contracts import ContractStatus, PartyRole, Rationale
from civicpact.domain.governance import (
    BodyKind,
    Cadence,
    DecisionStatus,
    DisputeStatus,
    ExitCategory,
    ExitItemStatus,
    Level,
)
from civicpact.ledger.services import audit_append, release_append
from civicpact.util import upload_digest


class StaleGovernance(ContractError):
    """The row changed since the editor read it (409 in the API, a form error on the pages)."""


def ladder_days() -> rules.LadderDays:
    """The days per rung, from the settings (`CIVICPACT_DISPUTE_DAYS_*`); at least one day each."""
    days: dict[str, Any] = settings.CIVICPACT_DISPUTE_DAYS
    return rules.LadderDays(**{level.value: max(1, int(days[level.value])) for level in Level})


def _check_version(row: Versioned, expected: int | None, what: str) -> None:
    if expected is not None and row.version != expected:
        when = timezone.localtime(row.updated_at).strftime("%d %b %Y %H:%M")
        raise StaleGovernance(
            f"{what} was changed by {row.updated_by} on {when} after you opened it (now version {row.version}); "
            "reload the page and redo your change."
        )


def _touch(row: Versioned, actor: User) -> None:
    row.version += 1
    row.updated_by, row.updated_at = actor, timezone.now()


def _save(row: Any) -> None:
    row.full_clean()
    row.save()


def _required(**values: str) -> None:
    errors = {name: "This is required." for name, value in values.items() if not str(value or "").strip()}
    if errors:
        raise ValidationError(errors)


def _may_act(actor: User, contract: Contract) -> bool:
    return permissions.can_manage_contracts(actor) or is_partner(actor, contract)


def _manager_only(actor: User, what: str) -> None:
    if not permissions.can_manage_contracts(actor):
        raise PermissionDenied(f"Only the city's contract managers and the PPP unit {what}.")


def _meeting_of(contract: Contract, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = Meeting.objects.filter(pk=meeting_id, body__contract=contract).first()
    if meeting is None:
        raise ValidationError({"meeting": "No meeting of this contract's governance bodies has this id."})
    return meeting


# --- disputes --------------------------------------------------------------------------------------------------------


def _step(dispute: Dispute, kind: str, *, actor: User, note: str = "", meeting: Meeting | None = None) -> None:
    party = _party_of(actor, dispute.contract) or dispute.raised_for_id
    step = DisputeStep(
        dispute=dispute,
        kind=kind,
        level=dispute.level,
        deadline=dispute.deadline if dispute.status == DisputeStatus.OPEN else None,
        note=note.strip(),
        meeting=meeting,
        party_id=party,
        actor=actor,
        at=timezone.now(),
    )
    step.full_clean()
    step.save(force_insert=True)


def _locked_dispute(actor: User, dispute_id: int, expected_version: int | None) -> Dispute:
    dispute = (
        Dispute.objects.select_for_update(of=("self",)).select_related("contract", "updated_by").get(pk=dispute_id)
    )
    if not _may_act(actor, dispute.contract):
        raise PermissionDenied("Only the contract's managers and its partner act on its disputes.")
    _check_version(dispute, expected_version, f"Dispute {dispute.number}")
    return dispute


def _open(dispute: Dispute, field: str = "status") -> None:
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError({field: f"Dispute {dispute.number} is {dispute.status}: it is closed."})


def _amount(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        amount = Decimal(str(raw))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError({"amount": "Give the amount in question as a number (or leave it empty)."}) from None
    if amount < 0:
        raise ValidationError({"amount": "The amount in question cannot be negative."})
    return amount


def dispute_raise(
    *, actor: User, contract_id: int, subject: str, description: str, amount: Any = None, clause: str = ""
) -> Dispute:
    """Either party raises a dispute: it starts at the operational rung with that rung's deadline."""
    _required(subject=subject, description=description)
    money = _amount(amount)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        party = _party_of(actor, contract)
        if party is None:
            raise PermissionDenied("Only the contract's managers and its partner raise disputes.")
        if contract.status != ContractStatus.ACTIVE:
            raise ValidationError({"contract": "Disputes are raised on a contract in force."})
        number = (Dispute.objects.filter(contract=contract).aggregate(n=Max("number"))["n"] or 0) + 1
        now, today = timezone.now(), timezone.localdate()
        dispute = Dispute(
            contract=contract,
            number=number,
            subject=subject.strip()[:200],
            description=description.strip(),
            amount=money,
            clause=clause.strip()[:200],
            raised_by=actor,
            raised_for_id=party,
            raised_at=now,
            level=Level.OPERATIONAL,
            level_reached=today,
            deadline=rules.level_deadline(Level.OPERATIONAL, today, ladder_days()),
            updated_by=actor,
            updated_at=now,
        )
        _save(dispute)
        _step(dispute, DisputeStep.Kind.RAISED, actor=actor, note=dispute.subject)
        audit_append(
            actor=actor,
            action="contract.dispute_raise",
            obj=contract,
            payload={"dispute": number, "subject": dispute.subject, "amount": str(money or ""), "clause": clause},
        )
        return dispute


def dispute_record_failure(
    *, actor: User, dispute_id: int, expected_version: int | None, note: str, meeting_id: int | None = None
) -> Dispute:
    """The current rung failed to agree: either party may then escalate before the rung's deadline."""
    _required(note=note)
    with transaction.atomic():
        dispute = _locked_dispute(actor, dispute_id, expected_version)
        _open(dispute)
        if dispute.failed_to_agree:
            raise ValidationError({"note": "A failure to agree is already recorded at this level."})
        meeting = _meeting_of(dispute.contract, meeting_id)
        dispute.failed_to_agree = True
        _touch(dispute, actor)
        _save(dispute)
        _step(dispute, DisputeStep.Kind.FAILED, actor=actor, note=note, meeting=meeting)
        audit_append(
            actor=actor,
            action="contract.dispute_failure_to_agree",
            obj=dispute.contract,
            payload={"dispute": dispute.number, "level": dispute.level, "note": note.strip()},
        )
        return dispute


def dispute_escalate(
    *, actor: User, dispute_id: int, expected_version: int | None, level: str | None = None, reason: str = ""
) -> Dispute:
    """Either party moves the dispute up one rung (never skipping one, never down) once the rung's deadline has
    passed or it recorded a failure to agree; the new rung's deadline runs from today."""
    _required(reason=reason)
    with transaction.atomic():
        dispute = _locked_dispute(actor, dispute_id, expected_version)
        current = Level(dispute.level)
        try:
            target = Level(level) if level else rules.next_level(current) or current
        except ValueError:
            names = ", ".join(lv.value for lv in rules.LADDER)
            raise ValidationError({"level": f"The level must be one of {names}."}) from None
        today = timezone.localdate()
        refused = rules.escalation_refusal(
            status=DisputeStatus(dispute.status),
            current=current,
            target=target,
            deadline=dispute.deadline,
            today=today,
            failed_to_agree=dispute.failed_to_agree,
        )
        if refused:
            raise ValidationError({"level": refused})
        dispute.level, dispute.level_reached, dispute.failed_to_agree = target, today, False
        dispute.deadline = rules.level_deadline(target, today, ladder_days())
        _touch(dispute, actor)
        _save(dispute)
        _step(dispute, DisputeStep.Kind.ESCALATED, actor=actor, note=reason)
        audit_append(
            actor=actor,
            action="contract.dispute_escalate",
            obj=dispute.contract,
            payload={"dispute": dispute.number, "from": current.value, "to": target.value, "reason": reason.strip()},
        )
        return dispute


def dispute_discuss(
    *, actor: User, dispute_id: int, expected_version: int | None, meeting_id: int | None, note: str
) -> Dispute:
    """Link the dispute to the governance meeting that discussed it (at the steering committee, typically)."""
    _manager_only(actor, "link a dispute to a meeting")
    _required(note=note)
    with transaction.atomic():
        dispute = _locked_dispute(actor, dispute_id, expected_version)
        _open(dispute)
        meeting = _meeting_of(dispute.contract, meeting_id)
        if meeting is None or not meeting.held:
            raise ValidationError({"meeting": "Choose the meeting held that discussed the dispute."})
        _touch(dispute, actor)
        _save(dispute)
        _step(dispute, DisputeStep.Kind.DISCUSSED, actor=actor, note=note, meeting=meeting)
        audit_append(
            actor=actor,
            action="contract.dispute_discuss",
            obj=dispute.contract,
            payload={"dispute": dispute.number, "meeting": meeting.pk, "note": note.strip()},
        )
        return dispute


def _resolve(dispute: Dispute, *, actor: User, outcome: str, agreed_by: str, meeting: Meeting | None) -> None:
    _open(dispute)
    dispute.status, dispute.outcome, dispute.agreed_by = DisputeStatus.RESOLVED, outcome.strip(), agreed_by.strip()
    dispute.closed_at = timezone.now()
    _touch(dispute, actor)
    _save(dispute)
    _step(dispute, DisputeStep.Kind.RESOLVED, actor=actor, note=outcome, meeting=meeting)
    audit_append(
        actor=actor,
        action="contract.dispute_resolve",
        obj=dispute.contract,
        payload={"dispute": dispute.number, "level": dispute.level, "outcome": dispute.outcome},
    )


def dispute_resolve(
    *,
    actor: User,
    dispute_id: int,
    expected_version: int | None,
    outcome: str,
    agreed_by: str,
    meeting_id: int | None = None,
) -> Dispute:
    """The city's managers record the outcome and who agreed (or determined) it, with the meeting if any."""
    _manager_only(actor, "record a dispute's outcome")
    _required(outcome=outcome, agreed_by=agreed_by)
    with transaction.atomic():
        dispute = _locked_dispute(actor, dispute_id, expected_version)
        _resolve(
            dispute,
            actor=actor,
            outcome=outcome,
            agreed_by=agreed_by,
            meeting=_meeting_of(dispute.contract, meeting_id),
        )
        return dispute


def dispute_withdraw(*, actor: User, dispute_id: int, expected_version: int | None, reason: str) -> Dispute:
    """Only the party that raised a dispute withdraws it."""
    _required(reason=reason)
    with transaction.atomic():
        dispute = _locked_dispute(actor, dispute_id, expected_version)
        if _party_of(actor, dispute.contract) != dispute.raised_for_id:
            raise PermissionDenied("Only the party that raised the dispute may withdraw it.")
        _open(dispute)
        dispute.status, dispute.closed_at = DisputeStatus.WITHDRAWN, timezone.now()
        _touch(dispute, actor)
        _save(dispute)
        _step(dispute, DisputeStep.Kind.WITHDRAWN, actor=actor, note=reason)
        audit_append(
            actor=actor,
            action="contract.dispute_withdraw",
            obj=dispute.contract,
            payload={"dispute": dispute.number, "reason": reason.strip()},
        )
        return dispute


# --- governance bodies, meetings, decisions --------------------------------------------------------------------------


def _choice(enum: Any, raw: Any, field: str) -> Any:
    try:
        return enum(str(raw))
    except ValueError:
        raise ValidationError({field: "Choose one of " + ", ".join(e.value for e in enum) + "."}) from None


def _members(raw: Iterable[Any]) -> list[dict[str, str]]:
    members = []
    for index, entry in enumerate(raw):
        name = str(entry.get("name", "") if isinstance(entry, Mapping) else entry).strip()
        organisation = str(entry.get("organisation", "") if isinstance(entry, Mapping) else "").strip()
        if not name:
            raise ValidationError({f"members[{index}]": "Each member needs a name."})
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
    _manager_only(actor, "set up governance bodies")
    _required(name=name)
    body_kind, every = _choice(BodyKind, kind, "kind"), _choice(Cadence, cadence, "cadence")
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
            raise ValidationError(
                {"contract": "Governance bodies are set up for a contract being signed or in force."}
            )
        if GovernanceBody.objects.filter(contract=contract, name=name.strip()).exists():
            raise ValidationError({"name": "This contract already has a body with this name."})
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
        _, meeting.minutes_sha256 = upload_digest(document, settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES)
        meeting.minutes_document = document


def _held_check(on: date, minutes: str, document: UploadedFile | None) -> None:
    refused = rules.meeting_refusal(held=True, on=on, today=timezone.localdate())
    if refused:
        raise ValidationError({"date": refused})
    if not minutes.strip() and document is None:
        raise ValidationError({"minutes": "A meeting held has minutes: write them or attach the document."})


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
    _manager_only(actor, "schedule and record governance meetings")
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
    _manager_only(actor, "record governance meetings")
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("body__contract", "updated_by")
            .get(pk=meeting_id)
        )
        _check_version(meeting, expected_version, "The meeting")
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
    _manager_only(actor, "record decisions")
    errors = {
        name: message
        for name, value, message in (
            ("text", text, "Say what was decided."),
            ("owner", owner, "Every decision has an owner: who carries it out."),
        )
        if not str(value or "").strip()
    }
    if due_date is None:
        errors["due_date"] = "Give the date it is due by (YYYY-MM-DD)."
    if errors:
        raise ValidationError(errors)
    assert due_date is not None  # noqa: S101  (checked just above; for the type checker)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body__contract").get(pk=meeting_id)
        contract = meeting.body.contract
        if not meeting.held:
            raise ValidationError({"meeting": "Decisions are recorded for a meeting held."})
        dispute = None
        if dispute_id is not None:
            dispute = Dispute.objects.select_for_update().filter(pk=dispute_id, contract=contract).first()
            if dispute is None:
                raise ValidationError({"dispute": "No dispute of this contract has this id."})
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
    _manager_only(actor, "update decisions")
    new = _choice(DecisionStatus, status, "status")
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(of=("self",))
            .select_related("meeting__body__contract", "updated_by")
            .get(pk=decision_id)
        )
        _check_version(decision, expected_version, "The decision")
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


# --- the end of the term ---------------------------------------------------------------------------------------------


def extension_decide(
    *,
    actor: User,
    contract_id: int,
    expected_version: int,
    new_end_date: date | None,
    reasons: str,
    value: Any = None,
) -> ExtensionDecision:
    """The city extends the term: a new contract version (rationale: time extension) with the new end date (and
    value, if it changes), in force once the parties sign it as usual."""
    _manager_only(actor, "decide an extension")
    _required(reasons=reasons)
    if new_end_date is None:
        raise ValidationError({"new_end_date": "Give the new end of the term (YYYY-MM-DD)."})
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status != ContractStatus.ACTIVE:
            raise ValidationError({"contract": "Only a contract in force is extended."})
        latest = contract.latest
        refused = rules.extension_refusal(current_end=latest.end_date, new_end=new_end_date)
        if refused:
            raise ValidationError({"new_end_date": refused})
        fields: dict[str, Any] = {"end_date": new_end_date}
        money = _amount(value)
        if money is not None and money != latest.value:
            fields["value"] = money
        version = contract_amend(
            actor=actor,
            contract_id=contract.pk,
            expected_version=expected_version,
            rationale=Rationale.TIME_EXTENSION,
            details=f"Extension of the term to {new_end_date.isoformat()}, decided by the city: {reasons.strip()}",
            **fields,
        )
        decision = ExtensionDecision(
            contract=contract,
            previous_end=latest.end_date,
            new_end=new_end_date,
            reasons=reasons.strip(),
            contract_version=version,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        decision.full_clean()
        decision.save(force_insert=True)
        audit_append(
            actor=actor,
            action="contract.extension_decide",
            obj=contract,
            payload={"new_end": new_end_date.isoformat(), "version": version.number, "reasons": decision.reasons},
            public=True,
        )
        return decision


DEFAULT_EXIT_ITEMS = (
    (ExitCategory.DATA, "Return every data set in open formats (CSV, GeoJSON) with its documentation"),
    (ExitCategory.KNOWLEDGE, "Transfer operating procedures and train the city's team"),
    (ExitCategory.ASSETS, "Survey the assets' condition jointly and agree the hand-back report"),
    (ExitCategory.TRANSITION, "Hand over to the next provider: a parallel-running period and cut-over plan"),
    (ExitCategory.LICENCES, "Assign or license the software, designs and IP the city needs"),
    (ExitCategory.STAFF, "Agree which staff transfer and inform them"),
)


def exit_plan_start(*, actor: User, contract_id: int, summary: str = "", due_date: date | None = None) -> ExitPlan:
    """The exit and hand-back plan, with one item per standard category owned by the partner, due by the end of
    the term (or `due_date`); the city then adjusts, adds and accepts items."""
    _manager_only(actor, "start an exit plan")
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED):
            raise ValidationError(
                {"contract": f"A {contract.get_status_display().lower()} contract has nothing to hand back."}
            )
        if ExitPlan.objects.filter(contract=contract).exists():
            raise ValidationError({"contract": "This contract's exit plan is already started."})
        now, due = timezone.now(), due_date or contract.latest.end_date
        plan = ExitPlan(
            contract=contract,
            summary=summary.strip(),
            started_by=actor,
            started_at=now,
            updated_by=actor,
            updated_at=now,
        )
        _save(plan)
        for category, title in DEFAULT_EXIT_ITEMS:
            _save(
                ExitItem(
                    plan=plan,
                    category=category,
                    title=title,
                    owner_party=PartyRole.PARTNER,
                    due_date=due,
                    updated_by=actor,
                    updated_at=now,
                )
            )
        audit_append(actor=actor, action="contract.exit_plan_start", obj=contract, payload={"due": due.isoformat()})
        return plan


def exit_plan_update(*, actor: User, contract_id: int, expected_version: int | None, summary: str) -> ExitPlan:
    _manager_only(actor, "edit the exit plan")
    with transaction.atomic():
        plan = (
            ExitPlan.objects.select_for_update(of=("self",))
            .select_related("contract", "updated_by")
            .get(contract_id=contract_id)
        )
        _check_version(plan, expected_version, "The exit plan")
        plan.summary = summary.strip()
        _touch(plan, actor)
        _save(plan)
        audit_append(actor=actor, action="contract.exit_plan_update", obj=plan.contract, payload={"summary": summary})
        return plan


def exit_item_add(
    *, actor: User, contract_id: int, category: str, title: str, owner_party: str, due_date: date | None
) -> ExitItem:
    _manager_only(actor, "add exit plan items")
    _required(title=title)
    kind = _choice(ExitCategory, category, "category")
    if owner_party not in (PartyRole.CITY, PartyRole.PARTNER):
        raise ValidationError({"owner_party": "The owner is the city or the partner."})
    if due_date is None:
        raise ValidationError({"due_date": "Give the date it is due by (YYYY-MM-DD)."})
    with transaction.atomic():
        plan = (
            ExitPlan.objects.select_for_update(of=("self",))
            .select_related("contract")
            .filter(contract_id=contract_id)
            .first()
        )
        if plan is None:
            raise ValidationError({"contract": "Start the exit plan first."})
        item = ExitItem(
            plan=plan,
            category=kind,
            title=title.strip()[:200],
            owner_party=owner_party,
            due_date=due_date,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        _save(item)
        audit_append(
            actor=actor,
            action="contract.exit_item_add",
            obj=plan.contract,
            payload={"item": item.title, "category": kind.value, "owner": owner_party},
        )
        return item


def exit_item_update(
    *,
    actor: User,
    item_id: int,
    expected_version: int | None,
    status: str,
    evidence: str = "",
    document: UploadedFile | None = None,
    city_note: str = "",
) -> ExitItem:
    """The owner reports progress and evidence (a partner only on the items the partner owns); only the city
    accepts an item or returns it to be done again."""
    new = _choice(ExitItemStatus, status, "status")
    with transaction.atomic():
        item = (
            ExitItem.objects.select_for_update(of=("self",))
            .select_related("plan__contract", "updated_by")
            .get(pk=item_id)
        )
        contract = item.plan.contract
        manager = permissions.can_manage_contracts(actor)
        if not manager and not (item.owner_party == PartyRole.PARTNER and is_partner(actor, contract)):
            raise PermissionDenied("The partner updates only the exit items it owns; the city's managers all.")
        _check_version(item, expected_version, f"“{item.title}”")
        if new not in rules.OWNER_STATUSES and not manager:
            raise ValidationError({"status": "Only the city accepts an item or returns it."})
        if item.status == ExitItemStatus.ACCEPTED and not manager:
            raise ValidationError({"status": "This item is accepted by the city: it is closed."})
        if new == ExitItemStatus.RETURNED and not city_note.strip():
            raise ValidationError({"city_note": "Say why the item is returned."})
        item.status = new
        if evidence.strip():
            item.evidence = evidence.strip()
        if document is not None:
            _, item.evidence_sha256 = upload_digest(document, settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES)
            item.evidence_document = document
        if manager and city_note.strip():
            item.city_note = city_note.strip()
        _touch(item, actor)
        _save(item)
        audit_append(
            actor=actor,
            action="contract.exit_item_update",
            obj=contract,
            payload={"item": item.title, "status": new.value, "evidence_sha256": item.evidence_sha256},
        )
        if new == ExitItemStatus.ACCEPTED:
            _publish_if_complete(actor, item.plan)
        return item


def _publish_if_complete(actor: User, plan: ExitPlan) -> None:
    """Once the city has accepted every item, the completed hand-back is published (an `implementation` release
    with a `handover` document) and audited as public."""
    items = list(plan.items.all())
    if not rules.exit_progress(
        [rules.ExitItem(ExitCategory(i.category), ExitItemStatus(i.status), i.due_date) for i in items],
        timezone.localdate(),
    ).complete:
        return
    contract = plan.contract
    sections = rules.handover_sections(
        contract_id=contract.ocds_id,
        award_id=f"award-{contract.award_id}" if contract.award_id else f"award-direct-{contract.pk}",
        completed=timezone.now(),
        items=[(ExitCategory(i.category), i.title, i.updated_at) for i in items],
    )
    release_append(actor=actor, ocid=contract_ocid(actor, contract), tags=["implementation"], sections=sections)
    audit_append(
        actor=actor, action="contract.exit_plan_complete", obj=contract, payload={"items": len(items)}, public=True
    )


# --- reads -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyRow:
    body: GovernanceBody
    meetings: list[Meeting]
    last_held: date | None
    next_due: date
    overdue: bool


def can_read(actor: Any, contract: Contract) -> bool:
    """Whether the actor reads the contract's governance (the contract itself already visible to them)."""
    return permissions.can_read_governance(actor) or is_partner(actor, contract)


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


def dispute_list(contract: Contract) -> list[Dispute]:
    return list(
        contract.disputes.select_related("raised_for", "raised_by").prefetch_related(
            Prefetch("steps", queryset=DisputeStep.objects.select_related("actor", "party", "meeting__body"))
        )
    )


def exit_plan_of(contract: Contract) -> ExitPlan | None:
    return ExitPlan.objects.filter(contract=contract).prefetch_related("items").first()


def exit_progress(plan: ExitPlan | None, today: date) -> rules.ExitProgress | None:
    if plan is None:
        return None
    items = [rules.ExitItem(ExitCategory(i.category), ExitItemStatus(i.status), i.due_date) for i in plan.items.all()]
    return rules.exit_progress(items, today)


def governance_get(*, actor: Any, contract: Contract) -> dict[str, Any]:
    """Everything the governance page shows; PermissionDenied for those who may not read it."""
    if not can_read(actor, contract):
        raise PermissionDenied("Governance is for the contract's managers, its partner and auditors.")
    today = timezone.localdate()
    latest = contract.latest
    plan = exit_plan_of(contract)
    return {
        "today": today,
        "disputes": dispute_list(contract),
        "bodies": body_rows(contract, today),
        "exit_plan": plan,
        "exit_progress": exit_progress(plan, today),
        "extensions": list(contract.extensions.select_related("contract_version", "decided_by")),
        "days_left": rules.days_left(latest.end_date, today),
        "nearing_end": rules.nearing_end(latest.end_date, today),
        "end_date": latest.end_date,
    }
