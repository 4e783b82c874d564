"""The tendering pages in French (docs/languages.md): tenders, bids, questions, the evaluation, proposals; the
services' refusals in the reader's language on the pages and in English in the API; notices in the city's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

from civicpact.domain.tendering import PROCEDURE_LABELS, STAGE_LABELS, STAGE_NAMES
from civicpact.notifications.models import Kind, Notification
from civicpact.tendering import labels, services
from civicpact.tendering.models import BidVersion
from tests.i18n.french import NBSP, french, page, text
from tests.tendering.fixtures import bid_payload

NNBSP = "\u202f"  # between thousands


def in_french(moment: Any) -> str:
    with translation.override("fr"):
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def test_the_list_of_tenders_reads_french_with_french_dates(tender):
    html = page(Client(HTTP_ACCEPT_LANGUAGE="fr"), "/tenders/")
    assert '<html lang="fr"' in html
    assert "<h1>Appels d'offres</h1>" in html
    assert "Procédure et phase" in html
    assert "Date limite de dépôt des offres" in html
    assert "Appel d'offres ouvert (phase unique)" in html  # the domain's name of the procedure
    assert f"Publié{NBSP}: ouvert aux offres" in html  # the tender's status
    assert "Toutes les procédures" in html  # the filter's choices
    assert in_french(tender.submission_deadline) in html
    assert f"16{NNBSP}000{NNBSP}000" in html  # the estimated value, grouped the French way


def test_the_list_of_tenders_still_reads_english(tender):
    html = page(Client(), "/tenders/")
    assert '<html lang="en' in html
    assert "<h1>Tenders</h1>" in html
    assert "Open tender (single stage)" in html
    assert "Published: open for bids" in html
    assert "Appels" not in html


def test_a_supplier_reads_the_tender_and_its_bid_form_in_french(client_for, tender, supplier):
    html = page(french(client_for(supplier)), f"/tenders/{tender.pk}/")
    assert '<html lang="fr"' in html
    for phrase in (
        "Déposer une offre",
        "Sceller et déposer l'offre",
        "Calendrier",
        "Dates clés (heure de la ville)",
        "Comment les offres sont notées",
        "Critères et leurs pondérations (sur 100)",
        "Questions et réponses",
        "Décomposition du prix (facultatif)",
        "Noté de 0 à 10 ; au moins 4 pour être recevable.".replace(" ;", f"{NBSP};"),
        "Aucune question n'a encore reçu de réponse.",
    ):
        assert phrase in html, phrase
    assert f"valeur estimée 16{NNBSP}000{NNBSP}000" in html
    assert in_french(tender.submission_deadline) in html


def test_the_ppp_unit_manages_the_tender_in_french(client_for, tender, officer):
    html = page(french(client_for(officer)), f"/tenders/{tender.pk}/")
    assert "Pour la cellule PPP" in html
    assert f"Offres reçues{NBSP}: <strong>0</strong>" in html
    assert "Modifier les conditions par rectificatif" in html
    assert "L'ouverture des plis peut être enregistrée une fois la date limite de dépôt passée." in html


def test_a_service_s_refusal_is_french_on_the_page_and_english_in_the_api(client_for, tender, supplier):
    client = french(client_for(supplier))
    response = client.post(f"/tenders/{tender.pk}/bid/withdraw/")
    assert response.status_code == 302
    refusal = "Vous n'avez pas d'offre en cours pour cet appel d'offres."
    assert refusal in page(client, response["Location"])
    api = client.post(f"/api/v1/tendering/tenders/{tender.pk}/bids/withdraw", content_type="application/json")
    assert api.status_code == 409
    assert api.json()["detail"] == "You have no current bid on this tender."


def test_a_service_s_permission_refusal_reads_french_on_the_403_page(client_for, tender, supplier):
    response = french(client_for(supplier)).post(f"/tenders/{tender.pk}/open/")
    assert response.status_code == 403
    assert "Seule la cellule PPP ouvre les plis." in text(response)


def test_a_service_s_error_with_values_is_put_on_the_form_in_french(client_for, tender, supplier):
    data = {
        "answer_quality.approach": "Our approach.",
        "answer_quality.delivery": "Our plan.",
        "price": "100",
        "schedule_text": "Lamps | 10",
    }
    response = french(client_for(supplier)).post(f"/tenders/{tender.pk}/bid/", data)
    assert response.status_code == 400
    html = text(response)
    assert "La décomposition du prix totalise 10, et non le prix de 100." in html


def test_a_sealed_bid_s_receipt_reads_french_to_the_second(client_for, tender, supplier):
    client = french(client_for(supplier))
    answers = {"answer_quality.approach": "Our approach.", "answer_quality.delivery": "Our plan.", "price": "100"}
    response = client.post(f"/tenders/{tender.pk}/bid/", answers)
    assert response.status_code == 302
    html = page(client, response["Location"])
    assert "Votre offre (version 1) est scellée." in html
    assert f"Votre offre{NBSP}: déposée" in html
    version = BidVersion.objects.get(bid__tender=tender)
    with translation.override("fr"):
        when = formats.date_format(timezone.localtime(version.submitted_at), "j N Y H:i:s")
    assert html.count(when) >= 2  # in the message and in the receipts


def test_the_evaluation_reads_french(client_for, opened, officer, committee):
    declarations = page(french(client_for(committee[0])), f"/tenders/{opened.pk}/evaluate/")
    assert f"Un conflit d'intérêts avec Lumen Grid{NBSP}?" in declarations
    assert "Enregistrer mes déclarations" in declarations
    assert f"Évaluer «{NBSP}" in declarations
    managed = page(french(client_for(officer)), f"/tenders/{opened.pk}/")
    for phrase in ("Le comité", "Nommer des évaluateurs", "Grille des notes (.xlsx)", "Plis ouverts par"):
        assert phrase in managed, phrase
    assert "Plis ouverts" in managed  # the status: "Plis ouverts : évaluation en cours"
    assert "évaluation en cours" in managed
    assert "tous les évaluateurs n'ont pas soumis leurs notes" in managed  # a blocker, said in French


def test_unsolicited_proposals_read_french(client_for, supplier):
    html = page(french(client_for(supplier)), "/tenders/proposals/")
    assert "<h1>Propositions spontanées</h1>" in html
    assert "Proposer un projet" in html
    form = page(french(client_for(supplier)), "/tenders/proposals/new/")
    assert "Le projet que vous proposez" in form
    assert "Soumettre la proposition" in form


def test_every_name_the_domain_gives_a_procedure_or_a_stage_is_marked_and_translated():
    assert set(PROCEDURE_LABELS.values()) <= set(labels.PROCEDURES)
    assert {label.split(" (")[0] for label in PROCEDURE_LABELS.values()} <= set(labels.PROCEDURES_SHORT) | set(
        labels.PROCEDURES
    )
    assert set(STAGE_LABELS.values()) <= set(labels.STAGES)
    assert set(STAGE_NAMES.values()) <= set(labels.STAGE_NAMES)
    with translation.override("fr"):
        for name in (*labels.PROCEDURES, *labels.PROCEDURES_SHORT, *labels.STAGES, *labels.STAGE_NAMES):
            assert translation.gettext(name) != name, name


@pytest.mark.django_db
def test_a_notice_to_bidders_is_written_in_the_city_s_language(settings, officer, tender, supplier):
    services.bid_submit(actor=supplier, tender_id=tender.pk, payload=bid_payload())
    settings.LANGUAGE_CODE = "fr"
    services.tender_amend(
        actor=officer,
        tender_id=tender.pk,
        expected_version=tender.version,
        rationale="Le périmètre s'élargit.",
        description="Un périmètre plus large.",
    )
    notice = Notification.objects.get(kind=Kind.TENDER_AMENDED)
    assert notice.title == f"Rectificatif{NBSP}: {tender.title}"
    assert "Votre offre doit être confirmée à nouveau" in notice.body
    assert in_french(tender.submission_deadline) in notice.body
