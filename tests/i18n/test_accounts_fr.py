"""Sign-in, registration, the account page (two-factor, API tokens), people and roles, and the supplier register in
French; the password-reset e-mail in the reader's language; English readers still get English."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.utils import formats, timezone, translation

from civicpact.accounts import services
from civicpact.accounts.models import ApiToken
from tests.i18n.french import NBSP, french, text


@pytest.mark.django_db
def test_the_sign_in_page_speaks_french():
    page = text(french().get("/accounts/login/"))
    assert '<html lang="fr"' in page
    assert "<h1>Se connecter</h1>" in page
    assert f"Mot de passe oublié{NBSP}?" in page
    assert "Inscrivez votre organisation" in page
    english = text(Client().get("/accounts/login/"))
    assert "Forgotten your password?" in english


def test_a_supplier_registers_in_french_and_its_mistakes_are_explained_in_french(city):
    client = french()
    page = text(client.get("/accounts/register/"))
    assert "<h1>Inscrire votre organisation</h1>" in page
    assert "Nom de l'organisation" in page
    assert "Nous sommes une petite ou moyenne entreprise (PME)" in page
    assert "Au moins 10 caractères" in page
    response = client.post(
        "/accounts/register/",
        {
            "name": "Lumière SAS",
            "legal_name": "Lumière SAS",
            "country": "F1",
            "registration_number": "123",
            "contact_name": "Anne",
            "contact_email": "anne@lumiere.example",
            "full_name": "Anne Martin",
            "username": "admin",
            "password": "a-long-enough-password-2026",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "Il y a un problème" in page
    assert "Utilisez le code pays à deux lettres" in page
    assert f"Ce nom d'utilisateur est déjà pris{NBSP}; choisissez-en un autre." in page


def test_the_account_page_and_its_tokens_speak_french_with_french_dates(client_for, admin_user):
    client = french(client_for(admin_user))
    created = client.post("/accounts/me/", {"name": "passerelle", "expires_in_days": "30"})
    assert created.status_code == 302
    page = text(client.get("/accounts/me/"))
    assert "<h1>Mon compte</h1>" in page
    assert "Administrateur" in page  # the role's label
    assert "Authentification à deux facteurs" in page
    assert "Jetons d'API" in page
    assert "Copiez votre nouveau jeton maintenant" in page
    assert "Renouveler" in page
    assert "jamais" in page  # never used
    token = ApiToken.objects.get(user=admin_user, name="passerelle")
    with translation.override("fr"):
        made = formats.date_format(timezone.localtime(token.created_at), "DATETIME_FORMAT")
    assert made in page
    assert "Expire après (jours)" in page

    client.post(f"/accounts/me/tokens/{token.pk}/revoke/")
    page = text(client.get("/accounts/me/"))
    assert f"Le jeton «{NBSP}passerelle{NBSP}» est révoqué{NBSP};" in page
    assert "révoqué le " in page

    english = text(client_for(admin_user).get("/accounts/me/"))
    assert "<h1>My account</h1>" in english
    assert "Administrator" in english


def test_people_and_the_supplier_register_speak_french(client_for, admin_user, officer):
    people = text(french(client_for(admin_user)).get("/accounts/people/"))
    assert "<h1>Personnes et rôles</h1>" in people
    assert "Agent des marchés publics à" in people
    assert "Attribuer un rôle" in people
    assert "non configurée" in people
    register = text(french(client_for(officer)).get("/accounts/suppliers/"))
    assert "<h1>Registre des fournisseurs</h1>" in register
    assert "Tous les fournisseurs" in register
    assert "En attente de vérification" in register
    assert ">Vérifié</span>" in register
    assert "<td>Oui</td>" in register or "<td>Non</td>" in register


def test_a_refusal_for_a_missing_role_is_explained_in_french(client_for, supplier):
    response = french(client_for(supplier)).get("/accounts/people/")
    assert response.status_code == 403
    page = text(response)
    assert "Vous ne pouvez pas ouvrir cette page" in page
    assert "Seul un administrateur gère les personnes et les rôles." in page


def test_two_factor_setup_speaks_french(client_for, officer):
    page = text(french(client_for(officer)).get("/accounts/two-factor/setup/"))
    assert "<h1>Configurer l'authentification à deux facteurs</h1>" in page
    assert "Code QR pour ajouter CivicPact" in page
    assert "Toute application prenant en charge les codes temporels (TOTP) convient." in page


def test_the_password_reset_e_mail_is_in_the_reader_s_language(city, officer):
    address = "claire@ville.example"
    services.user_create(actor=None, username="claire", email=address, password="x" * 12, validate=False)
    french().post("/accounts/password/reset/", {"email": "claire@ville.example"})
    Client().post("/accounts/password/reset/", {"email": "claire@ville.example"})
    assert len(mail.outbox) == 2
    assert "Quelqu'un a demandé la réinitialisation du mot de passe CivicPact de claire." in mail.outbox[0].body
    assert "Someone asked to reset the CivicPact password for claire." in mail.outbox[1].body
