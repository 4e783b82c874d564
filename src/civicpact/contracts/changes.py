"""Change control: a change request's impact is assessed, the delegation ladder says who may authorise it
(`domain/contracts.required_authority`), and the authorised change becomes a new contract version that the
parties sign like any other."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import Role, User
from civicpact.contracts import labels
from civicpact.contracts.models import ChangeRequest, ChangeStatus, Contract
from civicpact.contracts.services import ContractError, contract_amend
from civicpact.domain.contracts import (
    AUTHORITY_LABELS,
    Authority,
    ContractStatus,
    Delegation,
    PartyRole,
    change_rationale,
    may_authorise,
    required_authority,
)
from civicpact.ledger.services import audit_append
from civicpact.notifications.models import Kind
from civicpact.notifications.services import notify, role_users


def delegation() -> Delegation:
    limits: dict[str, Any] = settings.CIVICPACT_CHANGE_DELEGATION
    return Delegation(
        manager_amount=Decimal(str(limits["manager_amount"])),
        manager_days=int(str(limits["manager_days"])),
        unit_amount=Decimal(str(limits["unit_amount"])),
        unit_days=int(str(limits["unit_days"])),
    )


def held_authority(user: Any) -> Authority | None:
    """The highest rung of the ladder the user stands on."""
    if permissions.has_role(user, Role.ADMINISTRATOR):
        return Authority.COUNCIL
    if permissions.has_role(user, Role.PROCUREMENT_OFFICER):
        return Authority.PPP_UNIT
    if permissions.has_role(user, Role.CONTRACT_MANAGER):
        return Authority.CONTRACT_MANAGER
    return None


class AboveAuthority(PermissionDenied):
    """The actor stands on a lower rung of the delegation ladder than the decision needs; the message names who
    must decide (the PPP unit, or the council: an administrator records its decision)."""


def authority_needed(cost_change: Decimal, days_change: int) -> Authority:
    """The rung a change of this size needs, by the settings' limits (`CIVICPACT_CHANGE_*`)."""
    return required_authority(cost_change, days_change, delegation())


def authority_check(*, actor: Any, needed: Authority, what: str) -> None:
    """Refuse (`AboveAuthority`) unless the actor stands at or above the rung `what` ("change" or "extension")
    needs."""
    held = held_authority(actor)
    if held is None or not may_authorise(held, needed):
        who = labels.AUTHORITY_LABELS[needed]
        raise AboveAuthority(
            _("This extension must be authorised by %(who)s.") % {"who": who}
            if what == "extension"
            else _("This change must be authorised by %(who)s.") % {"who": who}
        )


def _party_of(actor: User, contract: Contract) -> int | None:
    """The party the actor asks for: the city for city staff who manage contracts, else its own partner org."""
    parties = contract.latest.parties
    if permissions.can_manage_contracts(actor):
        return next(int(p["organisation"]) for p in parties if p["role"] == PartyRole.CITY)
    own = {org.pk for org in permissions.supplier_organisations(actor)}
    return next(
        (int(p["organisation"]) for p in parties if p["role"] == PartyRole.PARTNER and int(p["organisation"]) in own),
        None,
    )


def change_request(*, actor: User, contract_id: int, title: str, description: str) -> ChangeRequest:
    """The city's managers or the partner ask for a change to a contract in force."""
    errors = {k: _("This is required.") for k, v in (("title", title), ("description", description)) if not v.strip()}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        party = _party_of(actor, contract)
        if party is None:
            raise PermissionDenied(_("Only the contract's managers and its partner request changes."))
        if contract.status != ContractStatus.ACTIVE:
            raise ContractError(_("Changes are requested on a contract in force."))
        number = (
            ChangeRequest.objects.filter(contract=contract)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        change = ChangeRequest.objects.create(
            contract=contract,
            number=number,
            title=title.strip()[:200],
            description=description.strip(),
            requested_by=actor,
            requested_for_id=party,
        )
        audit_append(
            actor=actor,
            action="contract.change_request",
            obj=contract,
            payload={"change": number, "title": change.title},
        )
        return change


def change_assess(
    *, actor: User, change_id: int, cost_change: Any, days_change: Any, risk_impact: str
) -> ChangeRequest:
    """The contract manager records the impact on cost, time and risk; the size sets who must authorise."""
    if not permissions.can_manage_contracts(actor):
        raise PermissionDenied(_("Only contract managers and the PPP unit assess changes."))
    errors: dict[str, str] = {}
    try:
        cost = Decimal(str(cost_change))
        if not cost.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors["cost_change"] = _("Give the change in value as an amount (negative for a saving).")
        cost = Decimal(0)
    try:
        days = int(str(days_change))
    except ValueError:
        errors["days_change"] = _("Give the change in the term as whole days (negative to shorten).")
        days = 0
    if not risk_impact.strip():
        errors["risk_impact"] = _("Say how the change affects the risks and who bears them.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().select_related("contract").get(pk=change_id)
        if change.status not in (ChangeStatus.REQUESTED, ChangeStatus.ASSESSED):
            raise ContractError(
                _("This change is %(status)s: it is no longer assessed.")
                % {"status": change.get_status_display().lower()}
            )
        latest = change.contract.latest
        if latest.value + cost < 0:
            raise ValidationError(
                {
                    "cost_change": _("The contract's value (%(value)s) cannot fall below zero.")
                    % {"value": l10n.number(latest.value, 2)}
                }
            )
        if latest.end_date + timedelta(days=days) <= latest.start_date:
            raise ValidationError({"days_change": _("The term would end before it starts.")})
        change.cost_change, change.days_change, change.risk_impact = cost, days, risk_impact.strip()
        change.authority = authority_needed(cost, days)
        change.status, change.assessed_by, change.assessed_at = ChangeStatus.ASSESSED, actor, timezone.now()
        change.save()
        audit_append(
            actor=actor,
            action="contract.change_assess",
            obj=change.contract,
            payload={"change": change.number, "cost": str(cost), "days": days, "authority": change.authority},
        )
        _notify_authoriser(actor, change)
        return change


AUTHORISERS = {
    Authority.CONTRACT_MANAGER: Role.CONTRACT_MANAGER,
    Authority.PPP_UNIT: Role.PROCUREMENT_OFFICER,
    Authority.COUNCIL: Role.ADMINISTRATOR,  # an administrator records the council's decision
}


def _notify_authoriser(actor: User, change: ChangeRequest) -> None:
    """Those on the rung of the delegation ladder the change needs (but the assessor) are asked to decide."""
    needed = Authority(change.authority)
    people = [u for u in role_users(AUTHORISERS[needed]) if u.pk != actor.pk]

    def title() -> str:
        return _("To authorise: change %(number)s of %(contract)s") % {
            "number": change.number,
            "contract": change.contract,
        }

    def body() -> str:
        value = change.cost_change or Decimal(0)
        cost = l10n.money(value, settings.CIVICPACT_CURRENCY)
        return _(
            "Change %(number)s (“%(title)s”) of “%(contract)s” is assessed: value %(cost)s, term %(days)s days. "
            "It needs %(authority)s to authorise or reject it."
        ) % {
            "number": change.number,
            "title": change.title,
            "contract": change.contract,
            "cost": f"+{cost}" if value > 0 else cost,
            "days": f"{change.days_change:+}",
            "authority": labels.AUTHORITY_LABELS[needed],
        }

    notify(
        recipients=people,
        kind=Kind.CHANGE_AWAITING,
        title=title,
        body=body,
        url=reverse("contracts:change-detail", args=[change.contract_id, change.number]),
    )


def change_decide(*, actor: User, change_id: int, authorise: bool, decision: str) -> ChangeRequest:
    """Authorise (only at or above the rung the change needs) — the change becomes a new contract version, in
    force once the parties sign — or reject, with reasons."""
    held = held_authority(actor)
    if held is None:
        raise PermissionDenied(
            _("Only the city's managers, the PPP unit or the council (administrators) decide changes.")
        )
    if not decision.strip():
        raise ValidationError({"decision": _("Give the reasons for the decision.")})
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().select_related("contract").get(pk=change_id)
        if change.status != ChangeStatus.ASSESSED:
            raise ContractError(_("A change is decided once its impact is assessed, and only once."))
        needed = Authority(change.authority)
        if authorise:
            authority_check(actor=actor, needed=needed, what="change")
        change.decided_by, change.decided_at, change.decision = actor, timezone.now(), decision.strip()
        if authorise:
            latest = change.contract.latest
            cost, days = Decimal(change.cost_change or 0), int(change.days_change or 0)
            fields: dict[str, Any] = {}
            if cost:
                fields["value"] = latest.value + cost
            if days:
                fields["end_date"] = latest.end_date + timedelta(days=days)
            if not fields:
                fields["description"] = f"{latest.description}\n\nChange {change.number}: {change.title}".strip()
            change.version = contract_amend(
                actor=actor,
                contract_id=change.contract_id,
                expected_version=change.contract.version,
                rationale=change_rationale(cost, days),
                details=f"Change {change.number} ({change.title}), authorised by {AUTHORITY_LABELS[needed]}: "
                f"{change.decision}",
                **fields,
            )
            change.status = ChangeStatus.AUTHORISED
        else:
            change.status = ChangeStatus.REJECTED
        change.save()
        audit_append(
            actor=actor,
            action="contract.change_authorise" if authorise else "contract.change_reject",
            obj=change.contract,
            payload={"change": change.number, "decision": change.decision},
            public=authorise,
        )
        return change
