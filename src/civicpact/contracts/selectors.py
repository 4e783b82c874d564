"""Reads of the contracts app: city staff see every contract; a partner (or guarantor) only its own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civicpact.accounts import permissions
from civicpact.contracts.models import Contract
from civicpact.domain.contracts import PartyRole


def contract_list(*, actor: Any) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("project", "award__tender")
    if permissions.can_view_all_contracts(actor):
        return contracts
    organisations = permissions.supplier_organisations(actor)
    return contracts.filter(party_links__organisation__in=organisations).distinct()


def contract_get(*, actor: Any, pk: int) -> Contract:
    """Raises Contract.DoesNotExist for a contract the actor may not see (its existence does not leak)."""
    return contract_list(actor=actor).get(pk=pk)


def is_partner(user: Any, contract: Contract) -> bool:
    """Whether the user acts for the partner of the contract's latest version."""
    own = {org.pk for org in permissions.supplier_organisations(user)}
    return any(int(p["organisation"]) in own for p in contract.latest.parties if p["role"] == PartyRole.PARTNER)
