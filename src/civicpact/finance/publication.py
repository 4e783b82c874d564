"""The OCDS release of a paid invoice: an implementation release under the contract's contracting process whose
transaction is the statement's own (`statement-<pk>`, published when the statement was issued), now with the
payment's date and the amount paid, plus a financial progress report of how that amount was made up
(docs/finance.md, "Publication"). Called inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from civicpact.accounts.models import User
from civicpact.contracts.services import contract_ocid
from civicpact.domain import invoicing
from civicpact.finance.models import Invoice, InvoiceStatus
from civicpact.ledger.models import Release
from civicpact.ledger.services import release_append
from civicpact.performance.publication import award_ocds_id, issued_statement, statement_ocds_id


class PublicationError(Exception):
    """The invoice cannot be published as it stands."""


def paid_invoice(invoice: Invoice) -> invoicing.PaidInvoice:
    """The plain description of a paid invoice that domain.invoicing maps to OCDS."""
    if invoice.status != InvoiceStatus.PAID or invoice.paid_on is None or invoice.paid_amount is None:
        raise PublicationError("Only a paid invoice is published as paid.")
    from civicpact.finance.services import indexation_of, invoice_amounts

    statement = invoice.statement
    described = issued_statement(statement)
    amounts = invoice_amounts(invoice)
    if Decimal(invoice.paid_amount) != amounts.gross:  # the import refuses any other amount
        raise PublicationError("The amount paid is not the invoice's gross amount.")
    return invoicing.PaidInvoice(
        transaction_id=statement_ocds_id(statement),
        invoice_id=invoice.pk,
        month=invoice.month,
        statement_number=statement.number,
        paid=timezone.make_aware(datetime.combine(invoice.paid_on, time())),
        currency=invoice.currency,
        amounts=amounts,
        indexation=None if invoice.indexation is None else indexation_of(invoice.indexation),
        payer=described.payer,
        payee=described.payee,
    )


def paid_release(actor: User, invoice: Invoice) -> Release:
    contract = invoice.contract
    sections = invoicing.paid_invoice_sections(
        paid_invoice(invoice), contract_id=contract.ocds_id, award_id=award_ocds_id(contract)
    )
    return release_append(actor=actor, ocid=contract_ocid(actor, contract), tags=["implementation"], sections=sections)
