"""The contracts pages in French (contracts, milestones, change requests, governance, disputes, end of the term):
the interface's words, dates and numbers the French way, refusals in French; the English pages unchanged."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from django.utils import formats, timezone, translation

from civicpact.contracts import changes, governance, labels
from civicpact.domain import contracts as contract_rules
from civicpact.domain import governance as governance_rules
from civicpact.domain import structuring
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_governance import raised, steering  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.i18n.french import french

TODAY = timezone.localdate()


def in_french(value, format_name: str = "DATE_FORMAT") -> str:
    with translation.override("fr"):
        return formats.date_format(value, format_name)


@pytest.fixture
def fr_manager(client_for, manager):
    return french(client_for(manager))


def test_the_contract_list_speaks_french(fr_manager, live):  # noqa: F811
    page = html.unescape(fr_manager.get("/contracts/").content.decode())
    assert '<html lang="fr"' in page
    assert "<h1>Contrats</h1>" in page
    assert "Version en vigueur" in page
    assert "Saisir un contrat signé avant CivicPact" in page
    assert "Signé\xa0: en vigueur" in page  # the contract's status label, with French punctuation spacing
    assert "1\u202f000\u202f000" in page  # the value, grouped the French way
    assert in_french(live.latest.start_date) in page


def test_the_contract_page_speaks_french_with_french_dates(fr_manager, live):  # noqa: F811
    page = html.unescape(fr_manager.get(f"/contracts/{live.pk}/").content.decode())
    assert "Conditions (version 1, en vigueur)" in page
    assert "Parties et signatures" in page
    assert "La ville (acheteur et payeur)" in page  # a label the domain keeps in English
    assert "Jours restants avant la fin du contrat" in page
    assert "3000 jours" in page or "3\u202f000 jours" in page
    assert "Gouvernance\xa0: différends, réunions et fin du contrat" in page
    assert "Demander une modification" in page
    assert "Toutes les versions, conservées" in page
    assert in_french(live.latest.end_date) in page
    assert "Days left in the term" not in page


def test_a_milestone_plan_refused_in_french(fr_manager, live):  # noqa: F811
    page = fr_manager.post(f"/contracts/{live.pk}/milestones/", {"lines": "go_live | Go-live"})
    assert page.status_code == 400
    body = html.unescape(page.content.decode())
    assert "Ligne 1\xa0: écrivez type | intitulé | date prévue (| part du paiement)." in body
    assert "Il y a un problème" in body or "There is a problem" in body  # the error summary (web's catalogue)


def test_a_change_request_reads_french(client_for, manager, live):  # noqa: F811
    change = changes.change_request(actor=manager, contract_id=live.pk, title="More lamps", description="Ten more.")
    changes.change_assess(
        actor=manager, change_id=change.pk, cost_change="20000", days_change="30", risk_impact="Small."
    )
    page = html.unescape(
        french(client_for(manager)).get(f"/contracts/{live.pk}/changes/{change.number}/").content.decode()
    )
    assert "Modification 1\xa0: More lamps" in page  # the title is data: as typed
    assert "Évaluée\xa0: en attente d'autorisation" in page
    assert "Variation de durée" in page
    assert "30 jours" in page
    assert "Qui doit l'autoriser" in page


def test_the_governance_pages_speak_french(client_for, manager, supplier, live, steering):  # noqa: F811
    dispute = raised(supplier, live)
    meeting = governance.meeting_create(
        actor=manager, body_id=steering.pk, date=TODAY - timedelta(days=1), held=True, minutes="Met.", attendees=["A"]
    )
    client = french(client_for(manager))
    base = f"/contracts/{live.pk}/governance/"
    page = html.unescape(client.get(base).content.decode())
    assert "Gouvernance\xa0: " in page
    assert "Fin du contrat" in page
    assert "Instances de gouvernance et réunions" in page
    assert "Comité de pilotage stratégique" in page  # the kind of body
    assert "se réunit tous les trimestres" in page
    assert "Soulever un différend" in page
    assert in_french(dispute.deadline) in page

    page = html.unescape(client.get(f"{base}disputes/{dispute.number}/").content.decode())
    assert "Différend 1\xa0: Deduction for SL-00007 in March" in page
    assert "L'échelle d'escalade" in page
    assert "Opérationnel (les gestionnaires de contrat)" in page
    assert "Historique du différend (toutes les étapes, conservées)" in page
    assert "Soulevé" in page  # the step

    page = html.unescape(client.get(f"{base}meetings/{meeting.pk}/").content.decode())
    assert "Compte rendu" in page
    assert "Participants\xa0: A" in page
    assert in_french(meeting.date) in page


def test_a_governance_refusal_in_french(client_for, manager, live):  # noqa: F811
    client = french(client_for(manager))
    base = f"/contracts/{live.pk}/governance/"
    governance.exit_plan_start(actor=manager, contract_id=live.pk)
    page = client.post(f"{base}exit-plan/start/", {"summary": ""})
    assert page.status_code == 400
    assert "Le plan de sortie de ce contrat est déjà lancé." in html.unescape(page.content.decode())
    plan = html.unescape(client.get(f"{base}exit-plan/").content.decode())
    assert "Plan de sortie et de restitution" in plan
    assert "Données restituées dans des formats ouverts" in plan  # a standard category
    assert "Prévu" in plan  # the items' status


def test_the_english_pages_still_read_english(client_for, manager, live, steering):  # noqa: F811
    client = client_for(manager)
    page = html.unescape(client.get(f"/contracts/{live.pk}/").content.decode())
    assert '<html lang="en"' in page
    assert "Terms (version 1, in force)" in page
    assert "The city (buyer and payer)" in page
    assert "Conditions (version" not in page
    governance_page = html.unescape(client.get(f"/contracts/{live.pk}/governance/").content.decode())
    assert "meets quarterly" in governance_page
    assert "Governance bodies and meetings" in governance_page


def test_the_labels_shown_are_the_domain_s_own_words_in_english():
    """contracts/labels.py repeats the domain's labels to translate them: the English must not drift."""
    pairs: list[tuple[Mapping[Any, Any], Mapping[Any, str]]] = [
        (labels.PARTY_ROLE_LABELS, contract_rules.PARTY_ROLE_LABELS),
        (labels.RATIONALE_LABELS, contract_rules.RATIONALE_LABELS),
        (labels.MILESTONE_LABELS, contract_rules.MILESTONE_LABELS),
        (labels.AUTHORITY_LABELS, contract_rules.AUTHORITY_LABELS),
        (labels.MODEL_LABELS, structuring.MODEL_LABELS),
        (labels.LEVEL_LABELS, governance_rules.LEVEL_LABELS),
        (labels.DISPUTE_STATUS_LABELS, governance_rules.DISPUTE_STATUS_LABELS),
        (labels.BODY_LABELS, governance_rules.BODY_LABELS),
        (labels.CADENCE_LABELS, governance_rules.CADENCE_LABELS),
        (labels.DECISION_STATUS_LABELS, governance_rules.DECISION_STATUS_LABELS),
        (labels.EXIT_CATEGORY_LABELS, governance_rules.EXIT_CATEGORY_LABELS),
        (labels.EXIT_STATUS_LABELS, governance_rules.EXIT_STATUS_LABELS),
    ]
    from civicpact.contracts.models import MECHANISM_LABELS

    pairs.append((labels.MECHANISM_LABELS_SHOWN, MECHANISM_LABELS))
    with translation.override("en"):
        for shown, domain in pairs:
            assert {key: str(label) for key, label in shown.items()} == {
                key: str(label) for key, label in domain.items()
            }
    with translation.override("fr"):
        assert str(labels.LEVEL_LABELS[governance_rules.Level.ARBITRATION]) == "Arbitrage"
