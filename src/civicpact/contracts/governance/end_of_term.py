"""The end of the term: an extension through the amendment service, or the exit and hand-back plan whose
completion is published."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.accounts import permissions
from civicpact.accounts.models import User
from civicpact.contracts.changes import authority_check, authority_needed
from civicpact.contracts.governance.shared import (
    _amount,
    _check_version,
    _choice,
    _manager_only,
    _required,
    _save,
    _touch,
)
from civicpact.contracts.models import (
    Contract,
    ExitItem,
    ExitPlan,
    ExtensionDecision,
)
from civicpact.contracts.selectors import is_partner
from civicpact.contracts.services import contract_amend, contract_ocid
from civicpact.domain import governance as rules
from civicpact.domain.contracts import AUTHORITY_LABELS, ContractStatus, PartyRole, Rationale
from civicpact.domain.governance import (
    ExitCategory,
    ExitItemStatus,
)
from civicpact.ledger.services import audit_append, release_append
from civicpact.util import upload_digest


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
    value, if it changes), in force once the parties sign it as usual. Who may decide it is change control's
    delegation ladder, by the days added and the change in value: a contract manager within the first limits, the
    PPP unit within the second, else the council (an administrator records its decision); a lower rung is refused
    (`AboveAuthority`, 403) naming who must decide."""
    _manager_only(actor, _("decide an extension"))
    _required(reasons=reasons)
    if new_end_date is None:
        raise ValidationError({"new_end_date": _("Give the new end of the term (YYYY-MM-DD).")})
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status != ContractStatus.ACTIVE:
            raise ValidationError({"contract": _("Only a contract in force is extended.")})
        latest = contract.latest
        refused = rules.extension_refusal(current_end=latest.end_date, new_end=new_end_date)
        if refused:
            raise ValidationError({"new_end_date": refused})
        fields: dict[str, Any] = {"end_date": new_end_date}
        money = _amount(value)
        if money is not None and money != latest.value:
            fields["value"] = money
        needed = authority_needed(
            Decimal(fields.get("value", latest.value)) - latest.value, (new_end_date - latest.end_date).days
        )
        authority_check(actor=actor, needed=needed, what="extension")
        version = contract_amend(
            actor=actor,
            contract_id=contract.pk,
            expected_version=expected_version,
            rationale=Rationale.TIME_EXTENSION,
            details=f"Extension of the term to {new_end_date.isoformat()}, authorised by {AUTHORITY_LABELS[needed]}: "
            f"{reasons.strip()}",
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
            payload={
                "new_end": new_end_date.isoformat(),
                "version": version.number,
                "reasons": decision.reasons,
                "authority": needed.value,
            },
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
    _manager_only(actor, _("start an exit plan"))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        if contract.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED):
            raise ValidationError(
                {
                    "contract": _("A %(status)s contract has nothing to hand back.")
                    % {"status": contract.get_status_display().lower()}
                }
            )
        if ExitPlan.objects.filter(contract=contract).exists():
            raise ValidationError({"contract": _("This contract's exit plan is already started.")})
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
    _manager_only(actor, _("edit the exit plan"))
    with transaction.atomic():
        plan = (
            ExitPlan.objects.select_for_update(of=("self",))
            .select_related("contract", "updated_by")
            .get(contract_id=contract_id)
        )
        _check_version(plan, expected_version, _("The exit plan"))
        plan.summary = summary.strip()
        _touch(plan, actor)
        _save(plan)
        audit_append(actor=actor, action="contract.exit_plan_update", obj=plan.contract, payload={"summary": summary})
        return plan


def exit_item_add(
    *, actor: User, contract_id: int, category: str, title: str, owner_party: str, due_date: date | None
) -> ExitItem:
    _manager_only(actor, _("add exit plan items"))
    _required(title=title)
    kind = _choice(ExitCategory, category, "category")
    if owner_party not in (PartyRole.CITY, PartyRole.PARTNER):
        raise ValidationError({"owner_party": _("The owner is the city or the partner.")})
    if due_date is None:
        raise ValidationError({"due_date": _("Give the date it is due by (YYYY-MM-DD).")})
    with transaction.atomic():
        plan = (
            ExitPlan.objects.select_for_update(of=("self",))
            .select_related("contract")
            .filter(contract_id=contract_id)
            .first()
        )
        if plan is None:
            raise ValidationError({"contract": _("Start the exit plan first.")})
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
            raise PermissionDenied(_("The partner updates only the exit items it owns; the city's managers all."))
        _check_version(item, expected_version, _("“%(title)s”") % {"title": item.title})
        if new not in rules.OWNER_STATUSES and not manager:
            raise ValidationError({"status": _("Only the city accepts an item or returns it.")})
        if item.status == ExitItemStatus.ACCEPTED and not manager:
            raise ValidationError({"status": _("This item is accepted by the city: it is closed.")})
        if new == ExitItemStatus.RETURNED and not city_note.strip():
            raise ValidationError({"city_note": _("Say why the item is returned.")})
        item.status = new
        if evidence.strip():
            item.evidence = evidence.strip()
        if document is not None:
            _size, item.evidence_sha256 = upload_digest(document, settings.CIVICPACT_TENDER_DOCUMENT_MAX_BYTES)
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


def exit_plan_of(contract: Contract) -> ExitPlan | None:
    return ExitPlan.objects.filter(contract=contract).prefetch_related("items").first()


def exit_progress(plan: ExitPlan | None, today: date) -> rules.ExitProgress | None:
    if plan is None:
        return None
    items = [rules.ExitItem(ExitCategory(i.category), ExitItemStatus(i.status), i.due_date) for i in plan.items.all()]
    return rules.exit_progress(items, today)
