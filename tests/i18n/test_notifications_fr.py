"""The bell, the notifications page, the settings and the city's holidays in French; deadline reminders and their
e-mails in their reader's language, whatever the language the job runs in; English readers still get English."""

from __future__ import annotations

from datetime import date, timedelta

from django.core import mail
from django.utils import formats, timezone, translation

from civicpact.notifications import interests, services
from civicpact.notifications.deadlines import Deadline
from civicpact.notifications.models import Kind
from civicpact.notifications.reminders import deadline_reminders_send, reminder_body, reminder_title
from tests.i18n.french import NBSP, french, text
from tests.notifications.conftest import of_kind

DAY = date(2026, 12, 7)


def test_the_bell_and_the_list_speak_french_with_french_dates(client_for, supplier):
    made = services.notify(
        recipients=[supplier], kind=Kind.AWARD_DECIDED, title="Outcome: street lighting", body="Lost.", url="/x/"
    )[0]
    page = text(french(client_for(supplier)).get("/notifications/"))
    assert '<html lang="fr"' in page
    assert 'class="count">1<span class="visually-hidden"> non lues</span>' in page
    assert "<h1>Notifications</h1>" in page
    assert "vos paramètres de notification" in page
    assert "Tout marquer comme lu" in page
    assert '<span class="badge warn">Nouveau</span>' in page
    assert "Outcome: street lighting" in page  # what a person wrote stays as written
    assert "Décision d'attribution" in page  # the kind
    with translation.override("fr"):
        moment = formats.date_format(timezone.localtime(made.created_at), "DATETIME_FORMAT")
    assert moment in page
    assert "également envoyée par courriel" in page
    english = text(client_for(supplier).get("/notifications/"))
    assert "Mark all as read" in english
    assert "Award decision" in english


def test_marking_all_read_is_confirmed_in_french(client_for, supplier):
    for title in ("One", "Two"):
        services.notify(recipients=[supplier], kind=Kind.AWARD_DECIDED, title=title, body="Body.")
    client = french(client_for(supplier))
    client.post("/notifications/read-all/")
    page = text(client.get("/notifications/"))
    assert "2 notifications marquées comme lues." in page
    assert "Rien de non lu." not in page


def test_the_settings_speak_french(client_for, supplier):
    page = text(french(client_for(supplier)).get("/notifications/settings/"))
    assert "<h1>Paramètres de notification</h1>" in page
    assert "M'envoyer un courriel pour" in page
    assert "Date limite de dépôt des offres d'un appel d'offres" in page
    assert "Flux de calendrier" in page
    assert "Créer mon adresse de calendrier" in page


def test_the_city_s_holidays_speak_french(client_for, admin_user, settings):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = ""
    settings.CIVICPACT_WEEKEND = ["sat", "sun"]
    admin = french(client_for(admin_user))
    added = admin.post("/notifications/holidays/", {"day": "2026-09-04", "name": "Fête de la ville"})
    assert added.status_code == 302
    page = text(admin.get("/notifications/holidays/?year=2026"))
    assert "<h1>Jours fériés de la ville en 2026</h1>" in page
    assert "excluent le week-end (samedi et dimanche), et les jours propres à la ville ajoutés ici." in page
    assert "Aucun calendrier national n'est défini" in page
    assert "Le 4 sept. 2026 (Fête de la ville) est désormais un jour férié de la ville." in page
    assert "ven 4 sept. 2026" in page
    again = text(admin.post("/notifications/holidays/", {"day": "2026-09-04", "name": "Encore"}))
    assert "Le 4 sept. 2026 est déjà un jour férié de la ville." in again
    english = text(client_for(admin_user).get("/notifications/holidays/?year=2026"))
    assert "skip the weekend (Saturday and Sunday), and the city's own days added here." in english


def test_reminders_and_their_e_mails_are_in_the_reader_s_language(
    tender, supplier, django_capture_on_commit_callbacks
):
    interests.interest_register(actor=supplier, tender_id=tender.pk)
    supplier.language = "fr"  # chosen with the switcher; the job itself runs in the city's language (English)
    supplier.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        deadline_reminders_send(now=tender.clarification_deadline - timedelta(days=7) + timedelta(hours=1))
    reminder = of_kind(supplier, Kind.CLARIFICATION_DEADLINE, tender)[0]
    assert reminder.title == f"Dans 7 jours{NBSP}: Date limite des questions{NBSP}: {tender.title}"
    with translation.override("fr"):
        moment = formats.date_format(timezone.localtime(tender.clarification_deadline), "DATETIME_FORMAT")
    assert reminder.body == (
        f"Rappel{NBSP}: {moment} (heure de la ville) est la date limite pour poser une question sur {tender.title}."
    )
    sent = [m for m in mail.outbox if m.to == [supplier.email] and m.subject == reminder.title]  # (the demo's too)
    assert len(sent) == 1
    assert "Vous recevez ce courriel parce qu'il vous concerne dans CivicPact." in sent[0].body


def test_a_reminder_of_a_last_day_is_for_the_whole_day():
    deadline = Deadline(
        Kind.DISPUTE_DEADLINE, "d-1", "Dernier jour", "différend n° 1", timezone.now(), "/", frozenset(), DAY
    )
    with translation.override("fr"):
        title, body = reminder_title(deadline, timedelta(days=1)), reminder_body(deadline)
    assert title == f"Dans 1 jour{NBSP}: Dernier jour{NBSP}: différend n° 1"
    assert body == f"Rappel{NBSP}: 7 déc. 2026 (toute la journée) est le dernier jour pour différend n° 1."
    with translation.override("en"):
        title, body = reminder_title(deadline, timedelta(hours=12)), reminder_body(deadline)
    assert title == "In 12 hours: Dernier jour: différend n° 1"
    assert body == "Reminder: 7 Dec 2026 (the whole day) is dernier jour of différend n° 1."
