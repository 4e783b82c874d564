"""What the governance services share: the version check on editable rows (`StaleGovernance`, 409), the
permission checks, the parsing of amounts and choices, and who reads a contract's governance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import User
from civicpact.contracts.models import (
    Contract,
    Meeting,
    Versioned,
)
from civicpact.contracts.selectors import is_partner
from civicpact.contracts.services import ContractError
from civicpact.domain import governance as rules
from civicpact.domain.governance import (
    Level,
)
from civicpact.notifications.calendars import calendar_covering


class StaleGovernance(ContractError):
    """The row changed since the editor read it (409 in the API, a form error on the pages)."""


def ladder_days() -> rules.LadderDays:
    """The days per rung, from the settings (`CIVICPACT_DISPUTE_DAYS_*`); at least one day each."""
    days: dict[str, Any] = settings.CIVICPACT_DISPUTE_DAYS
    return rules.LadderDays(**{level.value: max(1, int(days[level.value])) for level in Level})


def rung_deadline(level: Level, reached: date) -> date:
    """The rung's last day: its days counted in calendar days, or in the city's working days (weekends and
    holidays skipped) when `CIVICPACT_DISPUTE_WORKING_DAYS` is on (docs/notifications.md)."""
    days = ladder_days()
    if settings.CIVICPACT_DISPUTE_WORKING_DAYS:
        return rules.level_deadline(level, reached, days, calendar_covering(reached, days.days(level)))
    return rules.level_deadline(level, reached, days)


def _check_version(row: Versioned, expected: int | None, what: str) -> None:
    """`what` names the row, in the reader's language ("The meeting", "Dispute 3")."""
    if expected is not None and row.version != expected:
        raise StaleGovernance(
            _(
                "%(what)s was changed by %(who)s on %(when)s after you opened it (now version %(version)s); "
                "reload the page and redo your change."
            )
            % {
                "what": what,
                "who": row.updated_by,
                "when": l10n.when(row.updated_at, with_time=True),
                "version": row.version,
            }
        )


def _touch(row: Versioned, actor: User) -> None:
    row.version += 1
    row.updated_by, row.updated_at = actor, timezone.now()


def _save(row: Any) -> None:
    row.full_clean()
    row.save()


def _required(**values: str) -> None:
    errors = {name: _("This is required.") for name, value in values.items() if not str(value or "").strip()}
    if errors:
        raise ValidationError(errors)


def _may_act(actor: User, contract: Contract) -> bool:
    return permissions.can_manage_contracts(actor) or is_partner(actor, contract)


def _manager_only(actor: User, what: str) -> None:
    """`what` is what they may do, in the reader's language ("record decisions")."""
    if not permissions.can_manage_contracts(actor):
        raise PermissionDenied(_("Only the city's contract managers and the PPP unit %(what)s.") % {"what": what})


def _meeting_of(contract: Contract, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = Meeting.objects.filter(pk=meeting_id, body__contract=contract).first()
    if meeting is None:
        raise ValidationError({"meeting": _("No meeting of this contract's governance bodies has this id.")})
    return meeting


def _amount(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        amount = Decimal(str(raw))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError({"amount": _("Give the amount in question as a number (or leave it empty).")}) from None
    if amount < 0:
        raise ValidationError({"amount": _("The amount in question cannot be negative.")})
    return amount


def _choice(enum: Any, raw: Any, field: str) -> Any:
    try:
        return enum(str(raw))
    except ValueError:
        choices = ", ".join(e.value for e in enum)
        raise ValidationError({field: _("Choose one of %(choices)s.") % {"choices": choices}}) from None


def can_read(actor: Any, contract: Contract) -> bool:
    """Whether the actor reads the contract's governance (the contract itself already visible to them)."""
    return permissions.can_read_governance(actor) or is_partner(actor, contract)
