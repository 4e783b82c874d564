"""Two-factor authentication: enrolment (QR code and secret), verification, wrong codes, backup codes used once,
the demo's default (off outside production), API tokens, and the administrator's reset."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicpact.accounts import services
from civicpact.accounts.models import User
from civicpact.demo.seed import DEMO_PASSWORD
from civicpact.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"


@pytest.fixture
def required(settings):
    settings.CIVICPACT_REQUIRE_2FA = True


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def password_sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    """A person who already set up an authenticator (through the services, as the page does)."""
    device = services.two_factor_enrol_start(actor=user)
    return services.two_factor_enrol_confirm(actor=user, code=code_for(device))


def test_an_officer_signing_in_with_a_password_is_sent_to_enrol_first(city, required):
    client = password_sign_in("officer")
    response = client.get("/pipeline/needs/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fpipeline%2Fneeds%2F"


def test_the_enrolment_page_shows_a_qr_code_drawn_on_the_server_and_the_secret(city, required, officer):
    client = password_sign_in("officer")
    page = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed is False
    assert '<svg role="img"' in page
    assert "<title>QR code to add CivicPact to your authenticator app</title>" in page
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert "<script" not in page.split("</head>")[1]
    assert client.get(SETUP).status_code == 200
    assert TOTPDevice.objects.filter(user=officer).count() == 1  # the same device until confirmed


def test_enrolment_is_confirmed_with_a_code_and_gives_backup_codes_once(city, required, officer, clock):
    client = password_sign_in("officer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(SETUP, {"code": code_for(device), "next": "/pipeline/needs/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/backup-codes/?next=%2Fpipeline%2Fneeds%2F"
    page = client.get(response["Location"]).content.decode()
    tokens = list(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert len(tokens) == 10
    assert all(token in page for token in tokens)
    assert 'href="/pipeline/needs/"' in page
    assert client.get("/accounts/two-factor/backup-codes/")["Location"] == "/accounts/me/"  # shown once
    assert client.get("/pipeline/needs/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    assert AuditEvent.objects.filter(action="two_factor.enrol", actor=officer).exists()


def test_a_wrong_code_does_not_confirm_the_enrolment(city, required, officer, clock):
    client = password_sign_in("officer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 400
    assert "That code does not match the authenticator" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/pipeline/needs/").status_code == 302


def test_a_person_with_an_authenticator_must_enter_a_code_after_the_password(city, required, officer, clock):
    device, _codes = enrolled(officer)
    clock.shift(60)
    client = password_sign_in("officer")
    response = client.get("/tenders/")
    assert response["Location"] == f"{VERIFY}?next=%2Ftenders%2F"
    assert client.get(VERIFY).status_code == 200
    response = client.post(VERIFY, {"code": code_for(device), "next": "/tenders/"})
    assert response["Location"] == "/tenders/"
    assert client.get("/tenders/").status_code == 200


def test_a_wrong_code_is_refused_with_a_message_and_keeps_the_gate_shut(city, required, officer, clock):
    device, _codes = enrolled(officer)
    clock.shift(60)
    client = password_sign_in("officer")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get("/tenders/").status_code == 302


def test_after_a_wrong_code_verification_pauses_before_the_next_try(city, required, officer, clock):
    device, _codes = enrolled(officer)
    clock.shift(60)
    client = password_sign_in("officer")
    client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 400
    assert "Too many wrong codes in a row" in response.content.decode()
    clock.shift(5)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_nonsense_in_the_code_field_is_a_message_not_an_error(city, required, officer, clock):
    enrolled(officer)
    client = password_sign_in("officer")
    for nonsense in ("", "x" * 40, "12 34 5", "'; drop table"):
        response = client.post(VERIFY, {"code": nonsense})
        assert response.status_code == 400, nonsense


def test_a_backup_code_signs_in_once(city, required, officer, clock):
    _device, codes = enrolled(officer)
    client = password_sign_in("officer")
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": "/tenders/"})
    assert response["Location"] == "/tenders/"
    assert "You signed in with a backup code; 9 left" in client.get("/tenders/").content.decode()
    assert AuditEvent.objects.get(action="two_factor.backup_code_use", actor=officer).payload == {"left": 9}

    again = password_sign_in("officer")
    response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 400
    clock.shift(5)
    assert again.post(VERIFY, {"code": codes[1]}).status_code == 302
    assert StaticToken.objects.filter(device__user=officer).count() == 8


def test_new_backup_codes_replace_the_old_ones(city, required, officer, clock):
    device, old = enrolled(officer)
    clock.shift(60)
    client = password_sign_in("officer")
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post("/accounts/two-factor/backup-codes/")
    page = client.get(response["Location"]).content.decode()
    new = list(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert all(code in page for code in new)
    assert not set(old) & set(new)
    assert AuditEvent.objects.filter(action="two_factor.backup_codes", actor=officer).exists()


def test_new_backup_codes_need_the_second_factor_first(city, officer, clock):
    enrolled(officer)
    client = Client()
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/two-factor/backup-codes/")
    assert response["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=officer).count() == 10


def test_an_authenticator_cannot_be_set_up_twice(city, required, officer, clock):
    device, _codes = enrolled(officer)
    clock.shift(60)
    client = password_sign_in("officer")
    response = client.get(SETUP)
    assert response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(SETUP)["Location"] == "/accounts/me/"
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_roles_outside_the_list_sign_in_with_a_password_alone(city, required):
    client = password_sign_in("auditor")
    assert client.get("/audit/").status_code == 200


def test_with_the_requirement_off_as_in_the_demo_every_demo_user_signs_in_with_the_password(city, settings):
    settings.CIVICPACT_REQUIRE_2FA = False
    for username in ("admin", "officer", "evaluator", "supplier"):
        assert password_sign_in(username).get("/accounts/me/").status_code == 200


def test_with_the_requirement_off_a_person_who_set_up_an_authenticator_still_enters_a_code(city, officer, clock):
    enrolled(officer)
    client = password_sign_in("officer")
    assert client.get("/accounts/me/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CIVICPACT_ENV": "production", "ALLOWED_HOSTS": "pact.example"}, "True"),
        ({}, "False"),
        ({"CIVICPACT_ENV": "production", "ALLOWED_HOSTS": "pact.example", "CIVICPACT_REQUIRE_2FA": "off"}, "False"),
    ],
)
def test_two_factor_is_required_by_default_in_production_only(env, expected, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIVICPACT_")}
    src = Path(__file__).resolve().parents[2] / "src"
    result = subprocess.run(
        [sys.executable, "-c", "from civicpact import settings; print(settings.CIVICPACT_REQUIRE_2FA)"],
        env={**clean, "PYTHONPATH": str(src), "CIVICPACT_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


def test_an_api_call_on_an_unverified_session_is_refused_but_a_token_works(city, required, officer):
    _token, raw = services.api_token_create(actor=officer, name="finance system")
    client = password_sign_in("officer")
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 403
    assert "Two-factor verification is required" in response.json()["detail"]
    assert Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).json()["username"] == (
        "officer"
    )


def test_an_administrator_resets_a_lost_authenticator(city, admin_user, officer, client_for, clock):
    enrolled(officer)
    response = client_for(admin_user).post(f"/accounts/people/{officer.pk}/two-factor/reset/")
    assert response["Location"] == "/accounts/people/"
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert (event.actor, event.object_ref, event.payload) == (
        admin_user,
        f"accounts.user:{officer.pk}",
        {"removed": 2},
    )


def test_after_a_reset_the_person_enrols_again_at_the_next_request(city, required, admin_user, officer, clock):
    device, _codes = enrolled(officer)
    clock.shift(60)
    officer_client = password_sign_in("officer")
    officer_client.post(VERIFY, {"code": code_for(device)})
    assert officer_client.get("/tenders/").status_code == 200
    services.two_factor_reset(actor=admin_user, user_id=officer.pk)
    assert officer_client.get("/tenders/")["Location"].startswith(SETUP)


def test_only_an_administrator_may_reset_two_factor(city, officer, evaluator, client_for, clock):
    enrolled(evaluator)
    for user in (officer, evaluator):
        assert client_for(user).post(f"/accounts/people/{evaluator.pk}/two-factor/reset/").status_code == 403
    assert Client().post(f"/accounts/people/{evaluator.pk}/two-factor/reset/").status_code == 302  # to sign in
    assert TOTPDevice.objects.filter(user=evaluator, confirmed=True).exists()


def test_an_administrator_cannot_reset_their_own_two_factor(city, admin_user, client_for, clock):
    enrolled(admin_user)
    client = client_for(admin_user)
    response = client.post(f"/accounts/people/{admin_user.pk}/two-factor/reset/", follow=True)
    assert "ask another administrator" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_resetting_someone_unknown_is_not_found(city, admin_user, client_for):
    assert client_for(admin_user).post("/accounts/people/999999/two-factor/reset/").status_code == 404


def test_the_people_page_shows_who_has_two_factor(city, admin_user, officer, client_for, clock):
    enrolled(officer)
    page = client_for(admin_user).get("/accounts/people/").content.decode()
    assert f"/accounts/people/{officer.pk}/two-factor/reset/" in page
    assert 'reset<span class="visually-hidden"> two-factor authentication of Omar Officer' in page


def test_the_account_page_tells_the_state_of_two_factor(city, officer, client_for, clock):
    page = client_for(officer).get("/accounts/me/").content.decode()
    assert "Set up an authenticator app" in page
    enrolled(officer)
    client = password_sign_in("officer")
    client.post(VERIFY, {"code": StaticToken.objects.filter(device__user=officer).first().token})
    page = client.get("/accounts/me/").content.decode()
    assert "An authenticator app is set up" in page
    assert "9 backup codes left" in page


def test_an_unknown_role_in_the_two_factor_list_is_named_by_the_system_check(settings):
    from civicpact.accounts.apps import check_sign_in_settings

    settings.CIVICPACT_2FA_ROLES = ["administrator", "mayor"]
    assert [e.msg for e in check_sign_in_settings()] == ["CIVICPACT_2FA_ROLES names unknown roles: mayor"]
