"""Reads of the finance hand-off. Finance analysts, contract managers, the PPP unit, auditors and administrators
see every invoice; a partner's users see the invoices of the contracts where their organisation is the partner;
nobody else sees any (not other city staff, not other suppliers, not the public)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from civicpact.accounts import permissions
from civicpact.contracts.models import ContractVersion
from civicpact.domain.contracts import PartyRole
from civicpact.finance.models import FinanceExport, FinanceTerms, IndexSeries, Invoice, InvoiceStatus


def invoice_list(*, actor: Any, status: str = "", contract_id: int | None = None) -> QuerySet[Invoice]:
    """The invoices the actor may see, newest month first; `status` and `contract_id` filter them."""
    invoices = Invoice.objects.select_related("contract", "statement", "decided_by").annotate(
        contract_title=contract_title(OuterRef("contract"))
    )
    if not permissions.can_read_all_invoices(actor):
        organisations = permissions.supplier_organisations(actor)
        if not organisations:
            return invoices.none()
        invoices = invoices.filter(
            contract__party_links__organisation__in=organisations,
            contract__party_links__role=PartyRole.PARTNER,
        ).distinct()
    if status in InvoiceStatus.values:
        invoices = invoices.filter(status=status)
    if contract_id is not None:
        invoices = invoices.filter(contract_id=contract_id)
    return invoices


def contract_title(contract: Any) -> Subquery:
    """The title of a contract's latest version, as a subquery (Contract.__str__ would query once per row)."""
    return Subquery(ContractVersion.objects.filter(contract=contract).order_by("-number").values("title")[:1])


def invoice_get(*, actor: Any, pk: int) -> Invoice:
    """Raises Invoice.DoesNotExist for an invoice the actor may not see (its existence does not leak)."""
    return invoice_list(actor=actor).select_related("statement__issued_by", "updated_by").get(pk=pk)


def export_list(*, actor: Any) -> QuerySet[FinanceExport]:
    if not permissions.can_run_finance(actor):
        return FinanceExport.objects.none()
    return FinanceExport.objects.select_related("created_by").defer("content")


def export_get(*, actor: Any, pk: int) -> FinanceExport:
    if not permissions.can_run_finance(actor):
        raise FinanceExport.DoesNotExist
    return FinanceExport.objects.get(pk=pk)


def series_list(*, actor: Any) -> QuerySet[IndexSeries]:
    """Index series are public statistics, but the page that imports them is the finance analysts'."""
    if not permissions.can_read_all_invoices(actor):
        return IndexSeries.objects.none()
    return IndexSeries.objects.prefetch_related("values")


def terms_get(*, actor: Any, contract_id: int) -> FinanceTerms | None:
    if not permissions.can_read_all_invoices(actor):
        return None
    return FinanceTerms.objects.filter(contract_id=contract_id).select_related("index_series", "updated_by").first()
