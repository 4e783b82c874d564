"""The single sign-on configuration and its claim rules, on plain values."""

from __future__ import annotations

import json

import pytest

from civicpact.accounts.sso import (
    RoleGrant,
    SsoConfigError,
    claim_values,
    config_from,
    email_refusal,
    mfa_asserted,
    parse_role_map,
    role_grants,
)

BASE = {"issuer": "https://login.example/", "client_id": "civicpact", "client_secret": "s"}


def test_sso_is_off_until_issuer_client_and_secret_are_all_set():
    assert config_from({}).enabled is False
    assert config_from(BASE).enabled is True
    assert config_from(BASE).issuer == "https://login.example"


@pytest.mark.parametrize("missing", ["issuer", "client_id", "client_secret"])
def test_a_half_set_configuration_names_what_is_missing(missing):
    with pytest.raises(SsoConfigError, match=f"set CIVICPACT_OIDC_{missing.upper()}"):
        config_from({**BASE, missing: ""})


def test_the_scopes_must_ask_for_openid():
    with pytest.raises(SsoConfigError, match="must include 'openid'"):
        config_from({**BASE, "scopes": "email profile"})


def test_the_token_authentication_method_is_checked():
    with pytest.raises(SsoConfigError, match="CIVICPACT_OIDC_TOKEN_AUTH"):
        config_from({**BASE, "token_auth": "private_key_jwt"})


def test_the_role_map_takes_one_grant_or_a_list():
    parsed = parse_role_map(
        json.dumps(
            {
                "ppp": {"role": "procurement_officer", "organisation": "PPP Unit"},
                "it": [{"role": "evaluator", "organisation": "IT"}, {"role": "auditor", "organisation": " Audit "}],
            }
        )
    )
    assert parsed == {
        "ppp": (RoleGrant("procurement_officer", "PPP Unit"),),
        "it": (RoleGrant("evaluator", "IT"), RoleGrant("auditor", "Audit")),
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ('{"g": "auditor"}', "each grant is an object"),
        ('{"g": {"role": "mayor", "organisation": "City"}}', "role 'mayor' is not one of"),
        ('{"g": {"role": "supplier_user", "organisation": "Lumen Grid"}}', "role 'supplier_user' is not one of"),
        ('{"g": {"role": "auditor"}}', "name the organisation"),
    ],
)
def test_a_malformed_role_map_is_refused_with_the_reason(raw, message):
    with pytest.raises(SsoConfigError, match=message):
        parse_role_map(raw)


def test_groups_may_come_as_a_list_or_a_space_separated_string():
    assert claim_values({"groups": ["a", "b"]}, "groups") == ["a", "b"]
    assert claim_values({"groups": "a b"}, "groups") == ["a", "b"]
    assert claim_values({"groups": {"a": 1}}, "groups") == []
    assert claim_values({}, "groups") == []


def test_each_role_is_granted_once_whatever_the_groups():
    config = config_from({**BASE, "role_map": json.dumps({"a": {"role": "auditor", "organisation": "X"}})})
    assert role_grants(config, {"groups": ["a", "a", "b"]}) == [RoleGrant("auditor", "X")]
    assert role_grants(config, {"groups": ["b"]}) == []
    custom = config_from({**BASE, "groups_claim": "roles", "role_map": config_from_map()})
    assert role_grants(custom, {"roles": "a"}) == [RoleGrant("auditor", "X")]


def config_from_map() -> str:
    return json.dumps({"a": {"role": "auditor", "organisation": "X"}})


def test_the_email_domain_rule():
    config = config_from({**BASE, "allowed_email_domains": ["@City.example"]})
    assert email_refusal(config, {"email": "a@city.example"}) == ""
    assert "not one of them" in email_refusal(config, {"email": "a@city.example.evil"})
    assert "sent no e-mail address" in email_refusal(config, {})
    assert "not verified" in email_refusal(config, {"email": "a@city.example", "email_verified": False})
    assert email_refusal(config_from(BASE), {}) == ""  # no list: any address


def test_mfa_counts_only_for_the_configured_amr_values_and_when_trusted():
    config = config_from(BASE)
    assert mfa_asserted(config, {"amr": ["pwd", "otp"]}) is True
    assert mfa_asserted(config, {"amr": ["pwd"]}) is False
    assert mfa_asserted(config, {}) is False
    assert mfa_asserted(config_from({**BASE, "trust_mfa": False}), {"amr": ["mfa"]}) is False
    assert mfa_asserted(config_from({**BASE, "mfa_amr": ["hwk"]}), {"amr": ["hwk"]}) is True


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://evil.example", "aud": "civicpact", "exp": 1, "sub": "s"}, "came from https://evil.example"),
        ({"iss": "https://login.example", "aud": "other-app", "exp": 1, "sub": "s"}, "meant for another application"),
        (
            {"iss": "https://login.example", "aud": ["civicpact", "x"], "azp": "x", "exp": 1, "sub": "s"},
            "meant for another application",
        ),
        ({"iss": "https://login.example", "aud": "civicpact", "sub": "s"}, "lacks its expiry or subject"),
        ({"iss": "https://login.example", "aud": "civicpact", "exp": 1}, "lacks its expiry or subject"),
    ],
)
def test_an_id_token_not_from_our_issuer_for_us_with_expiry_and_subject_is_refused(claims, message):
    from civicpact.accounts.exceptions import SignInRefused
    from civicpact.accounts.oidc import check_id_token

    with pytest.raises(SignInRefused, match=message):
        check_id_token(config_from(BASE), claims)


def test_a_proper_id_token_passes_the_checks():
    from civicpact.accounts.oidc import check_id_token

    claims = {"iss": "https://login.example/", "aud": ["civicpact", "x"], "azp": "civicpact", "exp": 1, "sub": "s"}
    check_id_token(config_from(BASE), claims)
