"""The finance pages in French (invoices, the approval, the exports, the index series, a contract's finance terms):
the interface's words, money and dates the French way, refusals in French; the English pages unchanged."""

from __future__ import annotations

import html

from django.utils import formats, timezone, translation

from civicpact import l10n
from civicpact.finance import services
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.finance.conftest import approved, invoice, terms  # noqa: F401
from tests.i18n.french import french
from tests.performance.test_statements import metered  # noqa: F401


def in_french(value, format_name: str = "DATE_FORMAT") -> str:
    with translation.override("fr"):
        return formats.date_format(value, format_name)


def euros_in_french(amount) -> str:
    with translation.override("fr"):
        return l10n.money(amount, "EUR")


def test_the_invoice_list_speaks_french_with_french_money(client_for, analyst, invoice):  # noqa: F811
    page = html.unescape(french(client_for(analyst)).get("/finance/invoices/").content.decode())
    assert '<html lang="fr"' in page
    assert "<h1>Factures</h1>" in page
    assert "Exports vers le système financier" in page
    assert "En attente d'approbation" in page  # the invoice's status
    for header in (">HT<", ">TVA<", ">TTC<"):
        assert header in page
    assert euros_in_french(invoice.gross) in page  # 123 456,78 € (narrow no-break spaces, the sign after)
    assert in_french(invoice.due_date) in page


def test_the_invoice_page_speaks_french(client_for, analyst, invoice):  # noqa: F811
    page = html.unescape(french(client_for(analyst)).get(f"/finance/invoices/{invoice.pk}/").content.decode())
    assert f"Facture n° {invoice.pk}\xa0:" in page
    assert "TTC\xa0: à payer" in page
    assert "Approuver pour le système financier" in page
    assert "Ou la renvoyer au partenaire" in page
    assert "Motif du rejet" in page  # the form's label
    assert "123\u202f000,00" in page  # an amount of the table, grouped and with a decimal comma
    assert in_french(invoice.invoice_date) in page


def test_a_stale_rejection_is_refused_in_french(client_for, analyst, supplier, invoice):  # noqa: F811
    services.invoice_reference(actor=supplier, invoice_id=invoice.pk, expected_version=1, reference="LG-1")
    page = french(client_for(analyst)).post(
        f"/finance/invoices/{invoice.pk}/reject/", {"version": 1, "reason": "Pas notre numéro."}
    )
    assert page.status_code == 409
    body = html.unescape(page.content.decode())
    assert "La facture a été modifiée depuis que vous l'avez ouverte" in body
    assert "Pas notre numéro." in body


def test_the_exports_and_the_index_series_speak_french(client_for, analyst, approved):  # noqa: F811
    client = french(client_for(analyst))
    page = html.unescape(client.get("/finance/exports/").content.decode())
    assert "1 facture approuvée attend un export." in page
    assert "Factures approuvées à partir du" in page
    client.post("/finance/exports/", {"since": timezone.localdate().isoformat(), "format": "csv"})
    page = html.unescape(client.get("/finance/exports/").content.decode())
    assert "0 facture approuvée attend un export." in page  # French: zero takes the singular
    assert "Aucun export pour l'instant." not in page
    series = html.unescape(client.get("/finance/index-series/").content.decode())
    assert "Séries d'indices de prix" in series
    assert "Importer les valeurs" in series


def test_the_finance_terms_speak_french(client_for, analyst, invoice, metered):  # noqa: F811
    page = html.unescape(french(client_for(analyst)).get(f"/finance/contracts/{metered.pk}/terms/").content.decode())
    assert "Conditions financières\xa0: " in page
    assert "Ligne budgétaire" in page
    assert "Enregistrer les conditions financières" in page
    assert euros_in_french(invoice.gross) in page


def test_the_english_pages_still_read_english(client_for, analyst, invoice):  # noqa: F811
    client = client_for(analyst)
    page = html.unescape(client.get(f"/finance/invoices/{invoice.pk}/").content.decode())
    assert '<html lang="en"' in page
    assert "Gross: to pay" in page
    assert "Approve for the finance system" in page
    listing = html.unescape(client.get("/finance/invoices/").content.decode())
    assert "Waiting for approval" in listing
    with translation.override("en"):
        assert l10n.money(invoice.gross, "EUR") in listing  # €123,456.78
