"""Contract governance: disputes on the escalation ladder, governance bodies with their meetings and decisions, and
the end of the term (an extension through the amendment service, or an exit and hand-back plan).

Writes are services `<entity>_<action>(*, actor, …)` in `transaction.atomic`, calling `full_clean()` and appending
to the audit chain in the same transaction; the rules are in `domain/governance.py`. Disputes are private: their
audit events are too. Editable rows carry a `version`; a write based on an older one is refused (`StaleGovernance`,
409) naming who changed it and when.

A package by sub-domain: `disputes`, `meetings` (bodies, meetings, decisions) and `end_of_term` (extension, exit
plan), with what they share in `shared`. Every public name is importable from here, and `governance_get` (the
page's read, which draws on all three) lives here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact.contracts.governance.disputes import (
    dispute_discuss,
    dispute_escalate,
    dispute_list,
    dispute_raise,
    dispute_record_failure,
    dispute_resolve,
    dispute_withdraw,
)
from civicpact.contracts.governance.end_of_term import (
    DEFAULT_EXIT_ITEMS,
    exit_item_add,
    exit_item_update,
    exit_plan_of,
    exit_plan_start,
    exit_plan_update,
    exit_progress,
    extension_decide,
)
from civicpact.contracts.governance.meetings import (
    BodyRow,
    body_create,
    body_rows,
    decision_add,
    decision_update,
    meeting_create,
    meeting_record,
)
from civicpact.contracts.governance.shared import StaleGovernance, can_read, ladder_days
from civicpact.contracts.models import Contract
from civicpact.domain import governance as rules

__all__ = [
    "DEFAULT_EXIT_ITEMS",
    "BodyRow",
    "StaleGovernance",
    "body_create",
    "body_rows",
    "can_read",
    "decision_add",
    "decision_update",
    "dispute_discuss",
    "dispute_escalate",
    "dispute_list",
    "dispute_raise",
    "dispute_record_failure",
    "dispute_resolve",
    "dispute_withdraw",
    "exit_item_add",
    "exit_item_update",
    "exit_plan_of",
    "exit_plan_start",
    "exit_plan_update",
    "exit_progress",
    "extension_decide",
    "governance_get",
    "ladder_days",
    "meeting_create",
    "meeting_record",
]


def governance_get(*, actor: Any, contract: Contract) -> dict[str, Any]:
    """Everything the governance page shows; PermissionDenied for those who may not read it."""
    if not can_read(actor, contract):
        raise PermissionDenied(_("Governance is for the contract's managers, its partner and auditors."))
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
