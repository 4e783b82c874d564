"""Reads of the contracts app: city staff see every contract; a partner (or guarantor) only its own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civicpact.accounts import permissions
from civicpact.contracts.models import Contract


def contract_list(*, actor: Any) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("project", "award__tender")
    if permissions.can_view_all_contracts(actor):
        return contracts
    organisations = permissions.supplier_organisations(actor)
    return contracts.filter(party_links__organisation__in=organisations).distinct()


def contract_get(*, actor: Any, pk: int) -> Contract:
    """Raises Contract.DoesNotExist for a contract the actor may not see (its existence does not leak)."""
    return contract_list(actor=actor).get(pk=pk)
