"""Single sign-on end to end against a real OpenID Connect provider process on 127.0.0.1: the authorization code
flow, the token exchange with the client secret, the id_token's signature (JWKS), issuer, audience and nonce, the
userinfo call; and every refusal, which must be a message on the sign-in page, never an error page."""

from __future__ import annotations

import pytest
from django.test import Client

from civicpact.accounts.models import ExternalIdentity, Membership, Role, User
from civicpact.accounts.sso import forget_discovery
from civicpact.ledger.models import AuditEvent
from tests.accounts.sso_fixtures import callback_path, query_of, sso_settings

pytestmark = pytest.mark.django_db

STAFF = {
    "email": "nadia@portaurelia.example",
    "email_verified": True,
    "name": "Nadia Nunes",
    "preferred_username": "nadia",
    "groups": ["ppp-unit", "canteen"],
}


def start(client: Client, next_url: str = "") -> str:
    response = client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return str(response["Location"])


def sign_in(client: Client, provider, sub: str, next_url: str = ""):
    """Start at CivicPact, sign in at the provider as `sub`, come back: the callback's response."""
    back = provider.approve(start(client, next_url), sub)
    return client.get(callback_path(back))


def signed_in_as(client: Client) -> str:
    return str(client.get("/api/v1/accounts/me").json().get("username", ""))


def refusal_on_login_page(client: Client, response) -> str:
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    return page.content.decode()


def test_the_login_page_has_no_sso_button_while_sso_is_not_configured(city):
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with" not in page
    assert Client().get("/accounts/sso/start/").status_code == 404
    assert Client().get("/accounts/sso/callback/?code=x&state=y").status_code == 404


def test_the_login_page_offers_the_city_sso_once_configured(city, sso):
    page = Client().get("/accounts/login/?next=/pipeline/needs/").content.decode()
    assert "Sign in with Port Aurelia SSO" in page
    assert "/accounts/sso/start/?next=/pipeline/needs/" in page


def test_the_sign_in_starts_the_code_flow_with_state_nonce_and_pkce(city, sso):
    client = Client()
    params = query_of(start(client))
    assert params["response_type"] == "code"
    assert params["client_id"] == sso_client_id(client)
    assert params["redirect_uri"] == "http://testserver/accounts/sso/callback/"
    assert params["scope"] == "openid email profile"
    assert params["state"] in client.session["oidc_states"]
    assert params["nonce"]
    assert params["code_challenge_method"] == "S256"


def sso_client_id(_client: Client) -> str:
    from django.conf import settings

    return str(settings.CIVICPACT_OIDC["client_id"])


def test_a_first_sign_in_creates_the_account_with_the_mapped_role_and_membership(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    client = Client()
    response = sign_in(client, sso, "sub-nadia", next_url="/pipeline/needs/")
    assert response.status_code == 302
    assert response["Location"] == "/pipeline/needs/"
    user = User.objects.get(username="nadia")
    assert (user.email, user.full_name, user.has_usable_password()) == (
        "nadia@portaurelia.example",
        "Nadia Nunes",
        False,
    )
    assert [(m.role, m.organisation.name) for m in Membership.objects.filter(user=user)] == [
        (Role.PROCUREMENT_OFFICER, "Procurement and PPP Unit")
    ]
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (sso.issuer, "sub-nadia")
    assert signed_in_as(client) == "nadia"
    assert client.get("/pipeline/needs/").status_code == 200
    actions = set(AuditEvent.objects.filter(object_ref=f"accounts.user:{user.pk}").values_list("action", flat=True))
    assert {"user.create", "role.grant", "sso.link", "auth.login"} <= actions
    assert AuditEvent.objects.get(action="auth.login", actor=user).payload["method"] == "sso"


def test_one_group_may_grant_several_roles(city, sso):
    sso.set_user("sub-lina", email="lina@portaurelia.example", groups="lighting-leads")
    sign_in(Client(), sso, "sub-lina")
    roles = set(Membership.objects.filter(user__email="lina@portaurelia.example").values_list("role", flat=True))
    assert roles == {Role.DEPARTMENT_LEAD, Role.CONTRACT_MANAGER}


def test_a_later_sign_in_finds_the_person_by_subject_even_with_a_new_email(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    sign_in(Client(), sso, "sub-nadia")
    sso.set_user("sub-nadia", **{**STAFF, "email": "nadia.nunes@portaurelia.example"})
    client = Client()
    sign_in(client, sso, "sub-nadia")
    assert signed_in_as(client) == "nadia"
    assert User.objects.filter(external_identities__subject="sub-nadia").count() == 1
    assert ExternalIdentity.objects.get(subject="sub-nadia").email == "nadia.nunes@portaurelia.example"


def test_an_existing_account_is_not_taken_over_by_email_alone(city, sso):
    sso.set_user("sub-impostor", email="officer@portaurelia.example", groups=["ppp-unit"])
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-impostor"))
    assert "already has an account with the address officer@portaurelia.example" in page
    assert signed_in_as(client) == ""
    assert not ExternalIdentity.objects.exists()


def test_claims_that_map_to_no_role_are_refused_with_a_clear_message(city, sso):
    sso.set_user("sub-cook", email="cook@portaurelia.example", groups=["canteen"])
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-cook"))
    assert "none of your groups (canteen) gives a role in CivicPact" in page
    assert not User.objects.filter(email="cook@portaurelia.example").exists()
    assert signed_in_as(client) == ""


def test_a_role_in_an_organisation_civicpact_does_not_know_is_refused(city, sso):
    sso.set_user("sub-ghost", email="ghost@portaurelia.example", groups=["ghost-unit"])
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-ghost"))
    assert "Department of Missing Things, which CivicPact does not know" in page
    assert not User.objects.filter(email="ghost@portaurelia.example").exists()


def test_an_email_outside_the_allowed_domains_is_refused(city, sso):
    sso.set_user("sub-ext", email="consultant@example.com", groups=["ppp-unit"])
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-ext"))
    assert "open to addresses at portaurelia.example; consultant@example.com is not one of them" in page
    assert not User.objects.filter(email="consultant@example.com").exists()


def test_an_unverified_email_is_refused(city, sso):
    sso.set_user("sub-unv", email="new@portaurelia.example", email_verified=False, groups=["ppp-unit"])
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-unv"))
    assert "is not verified" in page


def test_a_callback_whose_state_was_not_issued_here_is_refused(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    client = Client()
    back = sso.approve(start(client), "sub-nadia")
    forged = callback_path(back).replace("state=", "state=forged")
    page = refusal_on_login_page(client, client.get(forged))
    assert "does not belong to a sign-in started in this browser" in page
    assert signed_in_as(client) == ""
    assert not User.objects.filter(username="nadia").exists()


def test_a_callback_in_another_browser_is_refused(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    back = sso.approve(start(Client()), "sub-nadia")
    stranger = Client()
    page = refusal_on_login_page(stranger, stranger.get(callback_path(back)))
    assert "does not belong to a sign-in started in this browser" in page
    assert signed_in_as(stranger) == ""


def test_a_used_code_cannot_sign_in_twice(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    client = Client()
    back = callback_path(sso.approve(start(client), "sub-nadia"))
    assert client.get(back)["Location"] == "/"
    client.post("/accounts/logout/")
    page = refusal_on_login_page(client, client.get(back))
    assert "does not belong to a sign-in started in this browser" in page


def test_an_id_token_from_another_issuer_is_refused(city, sso, settings):
    """The provider is real, but CivicPact expects a different issuer: its id_token must not be accepted."""
    document = sso.http.get(f"{sso.issuer}/.well-known/openid-configuration", timeout=10).json()
    settings.CIVICPACT_OIDC = {
        **settings.CIVICPACT_OIDC,
        "issuer": "https://login.portaurelia.example",
        **{name: document[name] for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint")},
        "jwks_uri": document["jwks_uri"],
    }
    forget_discovery()
    sso.set_user("sub-nadia", **STAFF)
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-nadia"))
    assert f"came from {sso.issuer}, not from Port Aurelia SSO" in page
    assert signed_in_as(client) == ""


def test_an_issuer_without_a_discovery_document_is_a_message_not_an_error(city, sso, settings):
    settings.CIVICPACT_OIDC = {**settings.CIVICPACT_OIDC, "issuer": f"{sso.issuer}/"}  # trailing slash: same
    assert start(Client()).startswith(sso.issuer)
    settings.CIVICPACT_OIDC = {**settings.CIVICPACT_OIDC, "issuer": f"{sso.issuer}/realms/other"}
    forget_discovery()
    client = Client()
    response = client.get("/accounts/sso/start/")
    assert "cannot be reached just now" in refusal_on_login_page(client, response)


def test_a_wrong_client_secret_is_refused_at_the_token_exchange(city, sso, settings):
    settings.CIVICPACT_OIDC = {**settings.CIVICPACT_OIDC, "client_secret": "not-the-secret"}
    sso.set_user("sub-nadia", **STAFF)
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-nadia"))
    assert "refused to complete the sign-in" in page
    assert not User.objects.filter(username="nadia").exists()


def test_a_person_who_declines_at_the_provider_is_told_so(city, sso):
    client = Client()
    back = sso.deny(start(client))
    page = refusal_on_login_page(client, client.get(callback_path(back)))
    assert "Port Aurelia SSO did not sign you in (The resource owner or authorization server denied" in page


def test_an_unreachable_provider_is_a_message_not_an_error_page(city, sso, settings):
    settings.CIVICPACT_OIDC = {**settings.CIVICPACT_OIDC, "issuer": "http://127.0.0.1:9", "timeout": 2}
    forget_discovery()
    client = Client()
    page = refusal_on_login_page(client, client.get("/accounts/sso/start/"))
    assert "Port Aurelia SSO cannot be reached just now" in page


def test_a_switched_off_account_cannot_sign_in_with_sso(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    sign_in(Client(), sso, "sub-nadia")
    User.objects.filter(username="nadia").update(is_active=False)
    client = Client()
    page = refusal_on_login_page(client, sign_in(client, sso, "sub-nadia"))
    assert "switched off" in page


def test_sign_out_ends_the_session_here_and_at_the_provider(city, sso):
    sso.set_user("sub-nadia", **STAFF)
    client = Client()
    sign_in(client, sso, "sub-nadia")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    location = str(response["Location"])
    assert location.startswith(f"{sso.issuer}/oauth2/end_session?")
    params = query_of(location)
    assert params["post_logout_redirect_uri"] == "http://testserver/"
    assert params["id_token_hint"].count(".") == 2
    assert signed_in_as(client) == ""
    assert sso.http.get(location, timeout=10).status_code == 200
    assert AuditEvent.objects.filter(action="auth.logout", actor__username="nadia").exists()


def test_a_password_sign_out_stays_here(city, sso):
    client = Client()
    client.post("/accounts/login/", {"username": "auditor", "password": "aurelia-demo-2026"})
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/"


def test_a_half_configured_sso_is_off_and_named_by_the_system_check(city, settings):
    from civicpact.accounts.apps import check_sign_in_settings

    settings.CIVICPACT_OIDC = sso_settings_half()
    assert Client().get("/accounts/sso/start/").status_code == 404
    messages = [e.msg for e in check_sign_in_settings()]
    assert messages == ["single sign-on is half configured: set CIVICPACT_OIDC_CLIENT_SECRET too (or none of them)"]


def sso_settings_half() -> dict[str, object]:
    from tests.accounts.sso_fixtures import Provider

    return sso_settings(Provider(issuer="http://127.0.0.1:9", http=None), "client", "")  # type: ignore[arg-type]


def test_a_provider_that_asserts_mfa_counts_as_the_second_factor(city, sso, settings):
    settings.CIVICPACT_REQUIRE_2FA = True
    sso.set_user("sub-nadia", **STAFF, amr=["pwd", "mfa"])
    client = Client()
    sign_in(client, sso, "sub-nadia")
    assert client.get("/pipeline/needs/").status_code == 200


def test_without_an_mfa_assertion_the_sso_user_enrols_here(city, sso, settings):
    settings.CIVICPACT_REQUIRE_2FA = True
    sso.set_user("sub-nadia", **STAFF, amr=["pwd"])
    client = Client()
    sign_in(client, sso, "sub-nadia")
    assert client.get("/pipeline/needs/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_provider_mfa_is_not_trusted_when_configured_so(city, sso, settings):
    settings.CIVICPACT_REQUIRE_2FA = True
    settings.CIVICPACT_OIDC = {**settings.CIVICPACT_OIDC, "trust_mfa": False}
    sso.set_user("sub-nadia", **STAFF, amr=["mfa"])
    client = Client()
    sign_in(client, sso, "sub-nadia")
    assert client.get("/pipeline/needs/")["Location"].startswith("/accounts/two-factor/setup/")


def test_a_later_password_sign_in_does_not_inherit_the_provider_mfa(city, sso, settings, officer):
    """The MFA assertion belongs to the single sign-on that carried it."""
    from civicpact.accounts.models import ExternalIdentity as Identity

    settings.CIVICPACT_REQUIRE_2FA = True
    Identity.objects.create(user=officer, issuer=sso.issuer, subject="sub-omar")
    sso.set_user("sub-omar", email="omar@portaurelia.example", groups=["ppp-unit"], amr=["mfa"])
    client = Client()
    sign_in(client, sso, "sub-omar")
    assert client.get("/tenders/").status_code == 200
    client.post("/accounts/logout/")
    assert client.post("/accounts/login/", {"username": "officer", "password": "aurelia-demo-2026"})["Location"] == "/"
    assert client.get("/tenders/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_id_token_signature_is_checked_against_the_provider_keys(city, sso, settings):
    """A real id_token from the provider verifies; the same token with its payload or signature altered does not."""
    import base64
    import json

    import jwt as pyjwt
    from django.core.exceptions import SuspiciousOperation

    from civicpact.accounts.oidc import CityOIDCBackend
    from civicpact.accounts.sso import current_config

    config = current_config()
    sso.set_user("sub-nadia", **STAFF)
    back = sso.approve(
        f"{sso.issuer}/oauth2/authorize?response_type=code&scope=openid&client_id={config.client_id}"
        "&redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Fsso%2Fcallback%2F&state=s&nonce=n",
        "sub-nadia",
    )
    tokens = sso.http.post(
        f"{sso.issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": query_of(back)["code"],
            "redirect_uri": "http://testserver/accounts/sso/callback/",
        },
        auth=(config.client_id, config.client_secret),
        timeout=10,
    ).json()
    backend = CityOIDCBackend()
    backend.configure(config)
    assert backend.verify_token(tokens["id_token"], nonce="n")["sub"] == "sub-nadia"

    header, payload, signature = tokens["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "sub-admin"}).encode()).decode().rstrip("=")
    for tampered in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{signature[::-1]}"):
        with pytest.raises((SuspiciousOperation, pyjwt.PyJWTError)):
            backend.verify_token(tampered, nonce="n")
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        backend.verify_token(tokens["id_token"], nonce="another")
