"""A notification is written in its reader's language: the one they last chose with the switcher, else the city's,
whatever language the person acting reads (docs/languages.md, "Messages to people")."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django.utils import translation

from civicpact.accounts.models import User
from civicpact.contracts import changes
from civicpact.notifications import services
from civicpact.notifications.models import Kind
from civicpact.performance import services as performance
from tests.i18n.french import NBSP
from tests.notifications.conftest import of_kind
from tests.performance.test_statements import last_month


def reads(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_each_person_reads_an_issued_statement_in_their_own_language(
    manager, second_manager, supplier, metered, django_capture_on_commit_callbacks
):
    reads(supplier, "fr")  # the partner chose French; the other manager never chose: the city's (English)
    month, _start = last_month()
    statement = performance.statement_compute(actor=manager, contract_id=metered.pk, month=month)
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):  # the issuer reads French
        performance.statement_issue(actor=manager, statement_id=statement.pk)
    partner = of_kind(supplier, Kind.STATEMENT_ISSUED)[0]
    colleague = of_kind(second_manager, Kind.STATEMENT_ISSUED)[0]
    assert partner.title == f"Relevé émis{NBSP}: {metered} — {month}"
    assert colleague.title == f"Statement issued: {metered} — {month}"
    assert "net payment €" in colleague.body
    assert "paiement net" in partner.body
    assert f"{NBSP}€" in partner.body
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Vous recevez ce courriel parce qu'il vous concerne" in by_address[supplier.email].body
    assert "You receive this e-mail because it concerns you" in by_address[second_manager.email].body
    assert by_address[supplier.email].subject == partner.title


def test_a_change_to_authorise_is_written_for_its_authoriser(manager, second_manager, supplier, live):
    reads(second_manager, "fr")
    change = changes.change_request(actor=supplier, contract_id=live.pk, title="200 more lights", description="Road.")
    changes.change_assess(actor=manager, change_id=change.pk, cost_change="42000", days_change="0", risk_impact="Ok.")
    asked = of_kind(second_manager, Kind.CHANGE_AWAITING)[0]
    assert asked.title == f"À autoriser{NBSP}: modification {change.number} de {live}"
    assert f"montant +42{NBSP}000,00{NBSP}€" in asked.body.replace("\u202f", NBSP)
    assert "par le gestionnaire de contrat." in asked.body
    reads(second_manager, "")
    again = changes.change_request(actor=supplier, contract_id=live.pk, title="Ten more", description="Quay.")
    with translation.override("fr"):  # the assessor reads French; the authoriser, the city's English
        changes.change_assess(actor=manager, change_id=again.pk, cost_change="-500", days_change="3", risk_impact=".")
    english = of_kind(second_manager, Kind.CHANGE_AWAITING)[0]
    assert english.title == f"To authorise: change {again.number} of {live}"
    assert "value -€500.00, term +3 days. It needs the contract manager to authorise or reject it." in english.body


def test_a_fixed_text_is_the_same_for_every_reader(supplier, second_manager):
    reads(supplier, "fr")
    made = services.notify(recipients=[supplier, second_manager], kind=Kind.AWARD_DECIDED, title="T", body="B.")
    assert {(n.title, n.body) for n in made} == {("T", "B.")}


def test_the_switcher_keeps_a_signed_in_person_s_choice(client_for, supplier):
    client = client_for(supplier)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/notifications/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert response.cookies["civicpact_language"].value == "fr"
    supplier.refresh_from_db()
    assert supplier.language == "fr"
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})  # a language we do not speak changes nothing
    supplier.refresh_from_db()
    assert supplier.language == "fr"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    supplier.refresh_from_db()
    assert supplier.language == "en"


def test_the_switcher_works_for_the_public_and_refuses_a_get(db):
    anonymous = Client()
    response = anonymous.post("/i18n/setlang/", {"language": "fr", "next": "/open/"})
    assert response.status_code == 302
    assert response.cookies["civicpact_language"].value == "fr"
    assert anonymous.get("/i18n/setlang/").status_code == 405


def test_a_person_s_language_follows_them_to_another_browser(client_for, supplier):
    reads(supplier, "fr")
    fresh = client_for(supplier)  # signed in, no language cookie: the account's language
    response = fresh.get("/notifications/")
    assert '<html lang="fr"' in response.content.decode()
    assert response.cookies["civicpact_language"].value == "fr"
    assert '<html lang="fr"' in fresh.get("/").content.decode()  # the cookie now decides
    api = client_for(supplier).get("/api/v1/notifications/?unread=maybe")
    assert api.status_code == 422  # the API still answers in English, and sets no cookie
    assert "civicpact_language" not in api.cookies


def test_a_cookie_chosen_in_this_browser_wins_over_the_account(client_for, supplier):
    reads(supplier, "fr")
    client = client_for(supplier)
    client.cookies["civicpact_language"] = "en"
    response = client.get("/notifications/")
    assert '<html lang="en"' in response.content.decode()
    assert "civicpact_language" not in response.cookies
