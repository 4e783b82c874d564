"""A supplier registers its interest in a published tender, so that its users are reminded of the tender's
clarification and submission deadlines (docs/notifications.md). Reads tendering: not part of this app's core."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation, User
from civicpact.ledger.services import audit_append
from civicpact.notifications.exceptions import NotificationError
from civicpact.notifications.models import TenderInterest
from civicpact.tendering import selectors as tendering
from civicpact.tendering.models import Tender, TenderStatus


def _organisation(actor: Any) -> Organisation:
    if not permissions.can_register_interest(actor):
        raise PermissionDenied(gettext("Only a supplier's users register interest in a tender."))
    return permissions.supplier_organisations(actor)[0]


def _tender(actor: Any, tender_id: int) -> Tender:
    try:
        return tendering.tender_get(actor=actor, pk=tender_id)
    except Tender.DoesNotExist:
        raise Http404(gettext("No such tender.")) from None


def interest_registered(*, actor: Any, tender: Tender) -> bool:
    organisations = [org.pk for org in permissions.supplier_organisations(actor)]
    return (
        bool(organisations) and TenderInterest.objects.filter(tender=tender, organisation__in=organisations).exists()
    )


def interest_register(*, actor: User, tender_id: int) -> TenderInterest:
    """Register the actor's supplier's interest in an open tender (a second time changes nothing)."""
    organisation = _organisation(actor)
    with transaction.atomic():
        tender = _tender(actor, tender_id)
        if tender.status != TenderStatus.PUBLISHED or timezone.now() >= tender.submission_deadline:
            raise NotificationError(gettext("Interest is registered in a tender open for bids; this one is not."))
        interest, created = TenderInterest.objects.get_or_create(
            tender=tender, organisation=organisation, defaults={"registered_by": actor}
        )
        if created:
            audit_append(
                actor=actor,
                action="tender.interest_register",
                obj=tender,
                payload={"supplier": organisation.name},
            )
        return interest


def interest_withdraw(*, actor: User, tender_id: int) -> bool:
    """Withdraw the actor's supplier's interest: no more reminders unless it bids or asks. True if there was one."""
    organisation = _organisation(actor)
    with transaction.atomic():
        tender = _tender(actor, tender_id)
        deleted, _ = TenderInterest.objects.filter(tender=tender, organisation=organisation).delete()
        if deleted:
            audit_append(
                actor=actor, action="tender.interest_withdraw", obj=tender, payload={"supplier": organisation.name}
            )
        return bool(deleted)
