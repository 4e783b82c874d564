"""Signing in, in the real browser: single sign-on through the test provider, two-factor enrolment and verification,
the account page and the administrator's reset; every CivicPact page checked (axe, CSP) and photographed."""

from __future__ import annotations

import time
from base64 import b32decode

from django_otp.oath import TOTP
from playwright.sync_api import expect

from civicpact.accounts.sso import forget_discovery
from civicpact.demo.seed import DEMO_PASSWORD
from tests.accounts.sso_fixtures import sso_settings


def totp_now(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_city_staff_sign_in_with_the_city_sso(visitor, oidc_provider, settings):
    client_id, secret = oidc_provider.register_client(f"{visitor.base_url}/accounts/sso/callback/")
    settings.CIVICPACT_OIDC = sso_settings(oidc_provider, client_id, secret)
    forget_discovery()
    oidc_provider.set_user(
        "sub-nadia", email="nadia@portaurelia.example", name="Nadia Nunes", groups=["ppp-unit"], amr=["mfa"]
    )
    page = visitor.visit("/accounts/login/?next=/pipeline/needs/", "signin-login-with-sso")
    page.get_by_role("link", name="Sign in with Port Aurelia SSO").click()
    page.locator("input[name=sub]").fill("sub-nadia")  # the provider's own page
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needs")
    visitor.check("signin-after-sso")
    expect(page.locator(".session")).to_contain_text("Nadia Nunes")
    forget_discovery()


def test_an_officer_sets_up_two_factor_then_signs_in_with_a_backup_code(visitor, settings):
    settings.CIVICPACT_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause after the wrong code below
    page = visitor.page
    visitor.sign_in("officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    visitor.check("signin-2fa-setup")
    expect(page.locator("svg.qr-code")).to_be_visible()

    right = totp_now(page.locator("#totp-secret").inner_text())
    page.get_by_label("Code from the app").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".error-summary")).to_contain_text("does not match")
    visitor.check("signin-2fa-setup-wrong-code")

    page.get_by_label("Code from the app").fill(totp_now(page.locator("#totp-secret").inner_text()))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    visitor.check("signin-2fa-backup-codes")
    codes = page.locator(".codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.locator(".session")).to_contain_text("Omar Officer")

    visitor.page.context.clear_cookies()
    visitor.sign_in("officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    visitor.check("signin-2fa-verify")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".messages")).to_contain_text("backup code; 9 left")

    visitor.visit("/accounts/me/", "signin-2fa-account")
    expect(page.get_by_text("An authenticator app is set up")).to_be_visible()


def test_an_administrator_resets_a_colleagues_two_factor(visitor, officer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    visitor.sign_in("admin", DEMO_PASSWORD)
    page = visitor.visit("/accounts/people/", "signin-people-two-factor")
    page.get_by_role("button", name="reset two-factor authentication of Omar Officer").click()
    expect(page.locator(".messages")).to_contain_text("Two-factor authentication of Omar Officer is reset")
    visitor.check("signin-people-after-reset")
    assert not TOTPDevice.objects.filter(user=officer).exists()
