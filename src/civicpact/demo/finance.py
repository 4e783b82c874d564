"""The demo's finance hand-off (docs/finance.md): the street-lighting contract's finance terms, its first month's
invoice given a number by the partner, approved, exported and paid (so the open data shows a paid transaction),
and its second month's approved and waiting for the next export. Idempotent: nothing happens once the contract
has finance terms."""

from __future__ import annotations

from django.utils import timezone

from civicpact.accounts.models import User
from civicpact.contracts.models import Contract
from civicpact.demo.performance import CONTRACT_TITLE
from civicpact.finance import services
from civicpact.finance.models import FinanceTerms, Invoice


def seed_streetlight_finance() -> None:
    contract = Contract.objects.filter(versions__title=CONTRACT_TITLE).first()
    if contract is None or FinanceTerms.objects.filter(contract=contract).exists():
        return
    analyst = User.objects.get(username="analyst")
    supplier = User.objects.get(username="supplier")
    services.terms_save(
        actor=analyst,
        contract_id=contract.pk,
        expected_version=0,
        vat_percent=None,
        payment_days=None,
        budget_line="3.1.07 Public lighting: availability payments",
    )
    invoices = list(Invoice.objects.filter(contract=contract).order_by("month", "pk")[:2])
    for number, made in enumerate(invoices, start=1):
        invoice = services.invoice_reference(
            actor=supplier,
            invoice_id=made.pk,
            expected_version=made.version,
            reference=f"LG-{made.month}-{number:03d}",
        )
        services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=invoice.version)
        if number == 1:
            services.export_create(actor=analyst, since=timezone.localdate(), fmt="json")
            paid = Invoice.objects.get(pk=invoice.pk)
            services.payments_import(
                actor=analyst,
                document={
                    "format": 1,
                    "payments": [
                        {
                            "invoice_id": paid.pk,
                            "paid_on": timezone.localdate().isoformat(),
                            "amount": f"{paid.gross:f}",
                            "currency": paid.currency,
                            "payment_reference": f"PO-{paid.month}-{paid.pk:05d}",
                        }
                    ],
                },
                source="demo",
            )
