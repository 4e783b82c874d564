"""The shared pages (web) in French: the header and footer, the public and personal home pages, the case studies,
the error pages and the forms' error summary; the same pages still read English for an English reader."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

from civicpact.tendering.models import Tender, TenderStatus
from tests.i18n.french import NBSP, french, text


@pytest.mark.django_db
def test_the_public_home_page_speaks_french():
    page = text(french().get("/"))
    assert '<html lang="fr"' in page
    assert "Aller au contenu principal" in page
    assert "Une piste que chacun peut vérifier" in page
    assert "Pour les fournisseurs" in page
    assert "Inscrire votre organisation" in page
    assert "Pour les agents de la ville" in page
    assert "piste d'audit vérifiable" in page
    assert "Se connecter" in page
    assert 'lang="en" title="English">English</button>' in page  # the way back, in its own words
    assert "For suppliers" not in page


@pytest.mark.django_db
def test_the_public_home_page_still_reads_english_for_an_english_reader():
    page = text(Client().get("/"))
    assert '<html lang="en' in page
    assert "For suppliers" in page
    assert "Register your organisation" in page
    assert "verifiable audit trail" in page
    assert 'lang="fr" title="Français">Français</button>' in page
    assert "Pour les fournisseurs" not in page


def test_the_case_studies_speak_french(db):
    page = text(french().get("/guidance/cases/"))
    assert "<h1>Études de cas</h1>" in page
    assert "Harbourside" + NBSP + ": 20 000 points lumineux connectés (fictif)" in page
    assert "Enseignement" + NBSP + ":" in page
    steps = "présélection, modèle de réalisation, risques, conditions contractuelles"
    assert f"Étapes concernées{NBSP}: {steps}." in page
    english = text(Client().get("/guidance/cases/"))
    assert "Relevant to: screening, model, risks, terms." in english


def test_a_missing_page_says_so_in_french(db):
    response = french().get("/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert "Nous n'avons pas trouvé cette page" in page
    assert "Aller à la page d'accueil" in page


def test_the_error_summary_and_optional_fields_speak_french(db):
    response = french().post("/accounts/register/", {"name": "", "username": ""})
    assert response.status_code == 400
    page = text(response)
    assert "Il y a un problème" in page
    assert "(facultatif)" in page  # the contact telephone
    assert "Ce champ est obligatoire." in page  # Django's own catalogue


def test_the_dashboard_menu_and_dates_speak_french(client_for, officer, admin_user):
    page = text(french(client_for(officer)).get("/"))
    assert '<html lang="fr"' in page
    assert f"Bienvenue, {officer}" in page
    menu = ("Accueil", "Besoins", "Projets", "Fournisseurs", "Appels d'offres", "Données ouvertes", "Mon compte")
    for label in menu:
        assert f">{label}</a>" in page
    assert "Connecté en tant que" in page
    assert "Se déconnecter" in page
    assert "Vous intervenez ici en tant que" in page
    assert "<strong>agent des marchés publics</strong> à" in page
    assert "Fournisseurs à vérifier" in page
    assert "Appels d'offres en cours" in page
    tender = Tender.objects.filter(status__in=[TenderStatus.PUBLISHED, TenderStatus.DRAFT]).first()
    if tender is not None:
        with translation.override("fr"):
            deadline = formats.date_format(timezone.localtime(tender.submission_deadline), "DATE_FORMAT")
        assert f"offres jusqu'au {deadline}" in page
    assert "Activité récente" in page

    admin = text(french(client_for(admin_user)).get("/"))
    assert "Tâches d'arrière-plan" in admin
    assert "Chaîne d'audit" in admin
    assert "Vérifier la chaîne maintenant" in admin


def test_the_dashboard_still_reads_english(client_for, officer):
    page = text(client_for(officer).get("/"))
    assert f"Welcome, {officer}" in page
    assert "Suppliers to verify" in page
    assert ">Tenders</a>" in page
    assert "Bienvenue" not in page
