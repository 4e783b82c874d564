"""The public portal (/open/) in French: its pages, the words `portal` writes for a process, money and dates the
French way, and the same pages still in English for an English reader."""

from __future__ import annotations

from datetime import date
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from civicpact import l10n
from civicpact.contracts.models import Contract
from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract
from civicpact.ledger.models import Release
from civicpact.transparency import compiled, portal
from civicpact.transparency.models import process_stage_label

pytestmark = pytest.mark.django_db

NNBSP, NBSP = "\u202f", "\xa0"  # French: narrow no-break space between thousands, no-break space before the €


@pytest.fixture
def french() -> Client:
    client = Client()
    client.cookies["civicpact_language"] = "fr"
    return client


@pytest.fixture
def lighting(city: Any) -> Contract:
    seed_streetlight_contract()
    return Contract.objects.get(versions__title=CONTRACT_TITLE)


def _read(client: Client, path: str, data: dict[str, str] | None = None) -> str:
    """The page as a reader sees its text (entities such as &#x27; read as the characters they are)."""
    response = client.get(path, data or {})
    assert response.status_code == 200, path
    return unescape(response.content.decode())


def _contract_url(contract: Contract) -> str:
    ocid = next(r.ocid for r in Release.objects.all() if contract.ocds_id in str(r.body.get("contracts", "")))
    return f"/open/contracts/{ocid}/{contract.ocds_id}/"


def test_the_home_page_speaks_french(city: Any, french: Client) -> None:
    html = _read(french, "/open/")
    assert '<html lang="fr"' in html
    assert "Ce qu'achète" in html
    assert "auprès de qui, et avec quels résultats" in html
    assert "Parcourir" in html
    assert "Appels d'offres" in html
    assert "Fournisseurs" in html
    assert "Données mises à jour le" in html
    assert "Télécharger les données" in html
    assert "Rechercher des projets, appels d'offres, contrats et fournisseurs" in html
    assert "buys, from whom" not in html
    english = _read(Client(), "/open/")
    assert '<html lang="en' in english
    assert "Browse" in english
    assert "Data last updated" in english


def test_the_lists_and_the_search_speak_french(city: Any, french: Client) -> None:
    projects = _read(french, "/open/projects/")
    assert "<h1>Projets</h1>" in projects
    assert " résultats" in projects
    assert "Étape" in projects
    stages = {row.stage for row in compiled.project_rows()}
    assert stages  # the demo city publishes processes
    with translation.override("fr"):
        assert portal.Process("x", (), {}).stage_label == "Planification"
        for stage in stages:
            assert f"<td>{process_stage_label(stage)}</td>" in projects
            assert stage == "Planning" or f'<option value="{stage}">{process_stage_label(stage)}</option>' in projects
    tenders = _read(french, "/open/tenders/")
    assert "Date limite de remise des offres" in tenders
    assert '<option value="">Tous</option>' in tenders
    suppliers = _read(french, "/open/suppliers/", {"status": "won"})
    assert "A obtenu un contrat ou une attribution" in suppliers
    found = _read(french, "/open/search/", {"q": "lighting"})
    assert f"pour «{NBSP}lighting{NBSP}»." in found
    assert "Aucun résultat." in _read(french, "/open/search/", {"q": "qwertyuiop"})
    nothing = _read(french, "/open/tenders/", {"q": "qwertyuiop"})
    assert f"0 résultat pour «{NBSP}qwertyuiop{NBSP}»." in nothing
    assert "Aucun appel d'offres ne correspond." in nothing


def test_the_contract_page_tells_its_story_in_french(lighting: Contract, french: Client) -> None:
    url = _contract_url(lighting)
    html = _read(french, url)
    assert '<html lang="fr"' in html
    for words in (
        "Le contrat en bref",
        "Qui supporte quel risque",
        "La ville (autorité publique)",
        "Le partenaire (partie privée)",
        "Performance par mois",
        "Disponibilité par rapport à l'objectif, par mois (%)",
        "Paiements effectués",
        "Chronologie des publications",
        "Contrat signé",
        "10 ans",
        '<h2 id="milestones-title">Jalons</h2>',
        "Bénéficiaire du paiement, partenaire privé, fournisseur",
        "défaillances de performance signalées.",
        "Données mises à jour le",
    ):
        assert words in html, words
    process = compiled.process_get(ocid=url.split("/")[3])
    assert process is not None
    contract = process.contract(lighting.ocds_id) or {}
    value = contract["value"]
    with translation.override("fr"):
        amount = l10n.money(value["amount"], value["currency"])
        payments = portal.payments(contract)
        paid_on = l10n.when(payments[0].date)
    assert amount.endswith(f"{NBSP}€")  # 24 000 000,00 €
    assert NNBSP in amount
    assert amount in html
    assert f"<strong>{amount}</strong>" in html  # the summary sentence
    assert paid_on in html  # 2 oct. 2026: a French month
    assert payments[0].value in html
    months = portal.performance_months(contract)
    september = next(m for m in months if m.availability is not None)
    with translation.override("fr"):
        assert portal.percent(september.availability) in html
        assert "," in portal.percent(september.availability)  # 99,935 %
    english = _read(Client(), url)
    assert "The deal in brief" in english
    assert "10 years" in english
    with translation.override("en"):
        assert f"<strong>{l10n.money(value['amount'], value['currency'])}</strong>" in english
    assert "Le contrat en bref" not in english


def test_the_project_and_supplier_pages_speak_french(lighting: Contract, french: Client) -> None:
    ocid = _contract_url(lighting).split("/")[3]
    project = _read(french, f"/open/projects/{ocid}/")
    assert "Identifiant Open Contracting" in project
    assert "<dt>Étape</dt><dd>Contrat</dd>" in project
    assert "Aucune planification n'a été publiée pour cette procédure" in project
    assert f"Aucun appel d'offres publié{NBSP}: le contrat a été saisi directement." in project
    assert f"Contrat «{NBSP}{CONTRACT_TITLE}{NBSP}» d'un montant de" in project
    assert "signé le 15 mars 2024." in project  # the timeline's words, with a French date
    assert f"Répartition des risques{NBSP}:" in project
    party = next(s for s in portal.suppliers(compiled.process_list()) if s.name == "Lumen Grid")
    page = _read(french, f"/open/suppliers/{party.party_id}/")
    assert "Attributions obtenues" in page
    assert "Contrats et leur performance" in page
    assert f"{NBSP}€" in page


def test_the_red_flags_and_imported_data_speak_french(city: Any, french: Client) -> None:
    flags = _read(french, "/open/red-flags/")
    assert "<h1>Signaux d'alerte</h1>" in flags
    assert "procédures de passation vérifiées" in flags or "procédure de passation vérifiée" in flags
    imported = _read(french, "/open/imported/")
    assert "Données de passation importées" in imported
    assert "Rien n'a encore été importé." in imported


def test_the_portal_words_follow_the_reader_s_language() -> None:
    period = {"startDate": "2024-01-01T00:00:00Z", "endDate": "2025-06-30T00:00:00Z"}
    release = {
        "tag": ["contract"],
        "contracts": [
            {
                "id": "c",
                "title": "Lights",
                "value": {"amount": 1200.5, "currency": "EUR"},
                "dateSigned": "2024-03-15T11:00:00Z",
                "riskAllocation": [{"id": "r"}],
                "implementation": {"performanceFailures": [{"events": 7}]},
            }
        ],
    }
    with translation.override("fr"):
        assert portal.duration(period) == "1 an et 6 mois"
        assert portal.duration({"startDate": "2024-04-01T00:00:00Z", "endDate": "2034-03-31T00:00:00Z"}) == "10 ans"
        assert portal.duration({"startDate": "2026-06-25T00:00:00Z", "endDate": "2026-07-10T00:00:00Z"}) == (
            "moins d'un mois"
        )
        assert portal.money({"amount": 24000000, "currency": "EUR"}) == f"24{NNBSP}000{NNBSP}000,00{NBSP}€"
        assert portal.release_words(release) == [
            f"Contrat «{NBSP}Lights{NBSP}» d'un montant de 1{NNBSP}200,50{NBSP}€, signé le 15 mars 2024.",
            f"Répartition des risques{NBSP}: 1 risque.",
            "7 défaillances de performance signalées.",
        ]
        assert portal.percent("75.701") == f"75,701{NNBSP}%"
        assert l10n.when(date(2024, 3, 15)) == "15 mars 2024"
    with translation.override("en"):
        assert portal.duration(period) == "1 year and 6 months"
        assert portal.release_words(release)[1:] == ["Risk allocation: 1 risk.", "7 performance failures reported."]
