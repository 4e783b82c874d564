"""The city's working-day calendar: the country's public holidays from the holidays library, the administrator's
own days, the weekend; the dispute ladder counts in working days only when the settings say so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.checks import run_checks
from django.core.exceptions import PermissionDenied, ValidationError

from civicpact.contracts import governance
from civicpact.notifications import calendars, services


def test_portugals_holidays_and_the_citys_own_day_are_skipped(settings, admin_user):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = "PT"
    # Tuesday 9 June 2026; Wednesday 10 June is Portugal Day
    assert calendars.add_working_days(date(2026, 6, 9), 1) == date(2026, 6, 11)
    services.city_holiday_add(actor=admin_user, day=date(2026, 6, 11), name="Port Aurelia Day")
    assert calendars.add_working_days(date(2026, 6, 9), 1) == date(2026, 6, 12)
    assert (date(2026, 6, 11), "Port Aurelia Day", True) in calendars.holiday_list(2026, 2026)


def test_a_subdivision_adds_its_own_holidays(settings):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = "PT"
    settings.CIVICPACT_HOLIDAYS_SUBDIVISION = "11"  # Lisbon: Saint Anthony, 13 June
    assert date(2026, 6, 13) in calendars.national_holidays(2026, 2026)
    settings.CIVICPACT_HOLIDAYS_SUBDIVISION = ""
    assert date(2026, 6, 13) not in calendars.national_holidays(2026, 2026)


def test_without_a_country_only_the_weekend_is_skipped(settings, db):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = ""
    assert calendars.national_holidays(2026, 2026) == {}
    assert calendars.add_working_days(date(2026, 6, 9), 1) == date(2026, 6, 10)
    assert calendars.add_working_days(date(2026, 6, 12), 1) == date(2026, 6, 15)  # Friday to Monday


def test_the_settings_check_names_what_to_fix(settings):
    settings.CIVICPACT_HOLIDAYS_COUNTRY = "XX"
    settings.CIVICPACT_WEEKEND = ["sat", "funday"]
    settings.CIVICPACT_REMINDER_HOURS = ["168", "soon"]
    messages = {m.id: m.msg for m in run_checks() if m.id.startswith("civicpact.E10")}
    assert "'funday' is not a day of the week" in messages["civicpact.E101"]
    assert "CIVICPACT_HOLIDAYS_COUNTRY='XX' is not a country" in messages["civicpact.E102"]
    assert "CIVICPACT_REMINDER_HOURS must list positive whole hours" in messages["civicpact.E103"]


def test_only_an_administrator_adds_a_city_holiday_and_it_needs_a_name(officer, admin_user):
    with pytest.raises(PermissionDenied):
        services.city_holiday_add(actor=officer, day=date(2026, 9, 14), name="Port Aurelia Day")
    with pytest.raises(ValidationError, match="Say what the day is"):
        services.city_holiday_add(actor=admin_user, day=date(2026, 9, 14), name=" ")


def test_the_dispute_ladder_counts_calendar_days_unless_told_working_days(settings, manager, live, time_machine):
    time_machine.move_to("2026-06-05 10:00Z")  # a Friday
    first = governance.dispute_raise(actor=manager, contract_id=live.pk, subject="Repairs", description="Late.")
    assert first.deadline == date(2026, 6, 5) + timedelta(days=14)
    settings.CIVICPACT_DISPUTE_WORKING_DAYS = True
    settings.CIVICPACT_HOLIDAYS_COUNTRY = "PT"
    second = governance.dispute_raise(actor=manager, contract_id=live.pk, subject="Billing", description="Wrong.")
    # 14 working days from Friday 5 June: two weekends and Portugal Day (10 June) skipped
    assert second.deadline == date(2026, 6, 26)
