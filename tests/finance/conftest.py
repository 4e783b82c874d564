"""Fixtures of the finance hand-off: the metered contract in force (Lumen Grid, four assets) with its finance
terms, and a month's statement issued by the contract manager, which makes its invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicpact.finance import services
from civicpact.finance.models import Invoice
from civicpact.performance import services as performance
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401


@pytest.fixture
def terms(analyst, metered):  # noqa: F811
    return services.terms_save(
        actor=analyst,
        contract_id=metered.pk,
        expected_version=0,
        vat_percent=None,
        payment_days=None,
        budget_line="4.2.13 Street lighting services",
    )


def issue(manager, contract, month=None):
    month = month or last_month()[0]
    statement = performance.statement_compute(actor=manager, contract_id=contract.pk, month=month)
    return performance.statement_issue(actor=manager, statement_id=statement.pk)


@pytest.fixture
def invoice(manager, metered, terms):  # noqa: F811
    statement = issue(manager, metered)
    return Invoice.objects.get(statement=statement)


@pytest.fixture
def approved(analyst, invoice):
    return services.invoice_approve(actor=analyst, invoice_id=invoice.pk, expected_version=invoice.version)


def payments(*lines):
    return {
        "format": 1,
        "payments": [
            {
                "invoice_id": invoice_id,
                "paid_on": paid_on,
                "amount": f"{Decimal(amount):f}",
                "currency": "EUR",
                "payment_reference": reference,
            }
            for invoice_id, paid_on, amount, reference in lines
        ],
    }
