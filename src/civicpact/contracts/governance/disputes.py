"""Disputes on the escalation ladder: either party raises one at the operational rung, records a failure to agree
and escalates it a rung at a time; the city resolves it, the party that raised it may withdraw it. Every step is an
append-only `DisputeStep`. Disputes are private: their audit events are too."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.accounts.models import User
from civicpact.contracts.changes import _party_of
from civicpact.contracts.governance.shared import (
    _amount,
    _check_version,
    _manager_only,
    _may_act,
    _meeting_of,
    _required,
    _save,
    _touch,
    rung_deadline,
)
from civicpact.contracts.models import (
    Contract,
    Dispute,
    DisputeStep,
    Meeting,
)
from civicpact.domain import governance as rules
from civicpact.domain.contracts import ContractStatus
from civicpact.domain.governance import (
    DisputeStatus,
    Level,
)
from civicpact.ledger.services import audit_append


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
        raise PermissionDenied(_("Only the contract's managers and its partner act on its disputes."))
    _check_version(dispute, expected_version, _("Dispute %(number)s") % {"number": dispute.number})
    return dispute


def _open(dispute: Dispute, field: str = "status") -> None:
    if dispute.status != DisputeStatus.OPEN:
        closed = (
            _("Dispute %(number)s is resolved: it is closed.")
            if dispute.status == DisputeStatus.RESOLVED
            else _("Dispute %(number)s is withdrawn: it is closed.")
        )
        raise ValidationError({field: closed % {"number": dispute.number}})


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
            raise PermissionDenied(_("Only the contract's managers and its partner raise disputes."))
        if contract.status != ContractStatus.ACTIVE:
            raise ValidationError({"contract": _("Disputes are raised on a contract in force.")})
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
            deadline=rung_deadline(Level.OPERATIONAL, today),
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
            raise ValidationError({"note": _("A failure to agree is already recorded at this level.")})
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
            raise ValidationError({"level": _("The level must be one of %(names)s.") % {"names": names}}) from None
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
        dispute.deadline = rung_deadline(target, today)
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
    _manager_only(actor, _("link a dispute to a meeting"))
    _required(note=note)
    with transaction.atomic():
        dispute = _locked_dispute(actor, dispute_id, expected_version)
        _open(dispute)
        meeting = _meeting_of(dispute.contract, meeting_id)
        if meeting is None or not meeting.held:
            raise ValidationError({"meeting": _("Choose the meeting held that discussed the dispute.")})
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
    _manager_only(actor, _("record a dispute's outcome"))
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
            raise PermissionDenied(_("Only the party that raised the dispute may withdraw it."))
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


def dispute_list(contract: Contract) -> list[Dispute]:
    return list(
        contract.disputes.select_related("raised_for", "raised_by").prefetch_related(
            Prefetch("steps", queryset=DisputeStep.objects.select_related("actor", "party", "meeting__body"))
        )
    )
