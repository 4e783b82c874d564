"""The contracts app's answers to the tendering's signals, inside the award's transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.dispatch import receiver

from civicpact.accounts.models import User
from civicpact.contracts import services
from civicpact.tendering.models import Award
from civicpact.tendering.signals import award_annulled, award_decided


@receiver(award_decided, sender=Award, dispatch_uid="contracts.draft_from_award")
def draft_from_award(sender: Any, award: Award, price: Decimal, actor: User, **kwargs: Any) -> None:
    services.contract_from_award(award=award, price=price, actor=actor)


@receiver(award_annulled, sender=Award, dispatch_uid="contracts.void_with_award")
def void_with_award(sender: Any, award: Award, reason: str, actor: User, **kwargs: Any) -> None:
    services.contract_void(award=award, reason=reason, actor=actor)
