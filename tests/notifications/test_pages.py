"""The notifications page, its settings, the city's holidays and a supplier's interest: each checks who asks and
what they ask for, and a mistake gets a message saying what to fix."""

from __future__ import annotations

from datetime import date

from civicpact.ledger.models import AuditEvent
from civicpact.notifications import services
from civicpact.notifications.models import CityHoliday, Kind, Notification, Preference, TenderInterest


def note(user, title="Outcome: street lighting", kind=Kind.AWARD_DECIDED):
    return services.notify(recipients=[user], kind=kind, title=title, body="Your bid did not win.", url="/tenders/")[0]


def test_the_list_shows_ones_own_notifications_and_the_bell_counts_the_unread(client_for, supplier, officer):
    note(supplier)
    note(officer, title="Someone else's")
    page = client_for(supplier).get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Outcome: street lighting" in html
    assert "Someone else" not in html
    assert 'class="count">1<span class="visually-hidden"> unread</span>' in html


def test_anonymous_visitors_are_sent_to_sign_in(citizen):
    for path in ("/notifications/", "/notifications/settings/", "/notifications/holidays/"):
        response = citizen.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_marking_read_and_all_read(client_for, supplier):
    first, second = note(supplier), note(supplier, title="Second")
    client = client_for(supplier)
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get("/notifications/?show=unread").context["page"].object_list[0] == second
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=supplier, read_at__isnull=True).exists()
    assert client.get(f"/notifications/{first.pk}/read/").status_code == 405


def test_another_persons_notification_cannot_be_marked_read(client_for, supplier, admin_user):
    theirs = note(supplier)
    assert client_for(admin_user).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    client_for(admin_user).post("/notifications/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_list_costs_a_bounded_number_of_queries(client_for, supplier, django_assert_max_num_queries):
    for n in range(30):
        note(supplier, title=f"Outcome {n}")
    client = client_for(supplier)
    with django_assert_max_num_queries(12):
        assert client.get("/notifications/").status_code == 200


def test_the_settings_turn_a_kinds_emails_off_and_are_audited(client_for, supplier):
    client = client_for(supplier)
    kept = [k for k in Kind.values if k != Kind.STATEMENT_ISSUED]
    assert client.post("/notifications/settings/", {"email": kept}).status_code == 302
    assert Preference.objects.get(user=supplier, kind=Kind.STATEMENT_ISSUED).email is False
    assert services.email_preferences(supplier)[Kind.AWARD_DECIDED] is True
    assert AuditEvent.objects.filter(action="notifications.preferences").exists()
    bad = client.post("/notifications/settings/", {"email": ["weather"]})
    assert bad.status_code == 400
    assert "weather is not one of the available choices" in bad.content.decode()


def test_only_an_administrator_keeps_the_city_holidays(client_for, officer, admin_user, settings):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = "PT"
    assert client_for(officer).get("/notifications/holidays/").status_code == 403
    assert client_for(officer).post("/notifications/holidays/", {"day": "2026-06-13", "name": "X"}).status_code == 403
    admin = client_for(admin_user)
    page = admin.get("/notifications/holidays/?year=2026")
    assert "Freedom Day" in page.content.decode()
    response = admin.post("/notifications/holidays/?year=2026", {"day": "2026-09-14", "name": "Port Aurelia Day"})
    assert response.status_code == 302
    holiday = CityHoliday.objects.get(day=date(2026, 9, 14))
    assert "Port Aurelia Day" in admin.get("/notifications/holidays/?year=2026").content.decode()
    assert client_for(officer).post(f"/notifications/holidays/{holiday.pk}/remove/").status_code == 403
    admin.post(f"/notifications/holidays/{holiday.pk}/remove/")
    assert not CityHoliday.objects.exists()
    assert admin.post("/notifications/holidays/999999/remove/").status_code == 404


def test_a_bad_or_duplicate_holiday_says_what_to_fix(client_for, admin_user):
    admin = client_for(admin_user)
    bad = admin.post("/notifications/holidays/", {"day": "2026-02-30", "name": ""})
    assert bad.status_code == 400
    assert "Enter the date as year-month-day" in bad.content.decode()
    admin.post("/notifications/holidays/", {"day": "2026-09-14", "name": "Port Aurelia Day"})
    again = admin.post("/notifications/holidays/", {"day": "2026-09-14", "name": "Again"})
    assert again.status_code == 400
    assert "is already one of the city" in again.content.decode()


def test_a_misconfigured_country_is_shown_not_a_500(client_for, admin_user, settings):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = "XX"
    page = client_for(admin_user).get("/notifications/holidays/")
    assert page.status_code == 200
    assert "CIVICPACT_HOLIDAYS_COUNTRY=&#x27;XX&#x27; is not a country" in page.content.decode()


def test_a_supplier_registers_and_withdraws_interest_from_the_tender_page(client_for, tender, supplier):
    client = client_for(supplier)
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert "Register our interest" in page
    client.post(f"/notifications/interest/{tender.pk}/", {"action": "register"})
    assert TenderInterest.objects.filter(tender=tender).count() == 1
    assert "Withdraw our interest" in client.get(f"/tenders/{tender.pk}/").content.decode()
    client.post(f"/notifications/interest/{tender.pk}/", {"action": "withdraw"})
    assert not TenderInterest.objects.exists()


def test_interest_is_refused_to_others_and_on_drafts(client_for, tender, procurement_project, officer, supplier):
    from civicpact.tendering import services as tendering
    from tests.tendering.fixtures import tender_fields

    draft = tendering.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields(lot="North"))
    assert client_for(officer).post(f"/notifications/interest/{tender.pk}/").status_code == 403
    assert client_for(supplier).post(f"/notifications/interest/{draft.pk}/").status_code == 404
    assert client_for(supplier).post("/notifications/interest/999999/").status_code == 404
    assert not TenderInterest.objects.exists()
