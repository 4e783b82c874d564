"""Single sign-on for city staff: the configuration, the provider's endpoints, and the rules that turn an identity
provider's claims into a CivicPact account (which roles, whether the e-mail domain is allowed, whether the
provider vouches for a second factor).

Read from settings.CIVICPACT_OIDC (built from CIVICPACT_OIDC_* variables, see docs/sign-in.md); the Django glue
around mozilla-django-oidc lives in `oidc.py`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext

from civicpact.accounts.models import Role

# Roles single sign-on may grant: city staff only. Supplier users register themselves and sign in with a password.
SSO_ROLES = frozenset(Role.values) - {Role.SUPPLIER_USER}
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint")


class SsoConfigError(ValueError):
    """The CIVICPACT_OIDC_* settings are inconsistent; the message names the variable to fix."""


class SsoUnavailable(Exception):
    """The identity provider could not be reached or answered nonsense."""


@dataclass(frozen=True)
class RoleGrant:
    """One role in one organisation (named as in CivicPact) that a claim value grants."""

    role: str
    organisation: str


@dataclass(frozen=True)
class SsoConfig:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    sign_algo: str
    use_pkce: bool
    token_auth: str
    allowed_email_domains: frozenset[str]
    groups_claim: str
    role_map: Mapping[str, tuple[RoleGrant, ...]]
    trust_mfa: bool
    mfa_amr: frozenset[str]
    timeout: int
    endpoints: Mapping[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret)


def parse_role_map(raw: str) -> dict[str, tuple[RoleGrant, ...]]:
    """`{"<claim value>": {"role": "...", "organisation": "..."}}`, or a list of such objects per value."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SsoConfigError(f"CIVICPACT_OIDC_ROLE_MAP is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise SsoConfigError("CIVICPACT_OIDC_ROLE_MAP must be a JSON object keyed by the groups claim's values")
    result: dict[str, tuple[RoleGrant, ...]] = {}
    for value, grants in data.items():
        entries = grants if isinstance(grants, list) else [grants]
        parsed = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("role"), str):
                raise SsoConfigError(
                    f"CIVICPACT_OIDC_ROLE_MAP[{value!r}]: each grant is an object with 'role' and 'organisation'"
                )
            role, organisation = entry["role"], entry.get("organisation")
            if role not in SSO_ROLES:
                allowed = ", ".join(sorted(SSO_ROLES))
                raise SsoConfigError(f"CIVICPACT_OIDC_ROLE_MAP[{value!r}]: role {role!r} is not one of {allowed}")
            if not isinstance(organisation, str) or not organisation.strip():
                raise SsoConfigError(f"CIVICPACT_OIDC_ROLE_MAP[{value!r}]: name the organisation of role {role!r}")
            parsed.append(RoleGrant(role=role, organisation=organisation.strip()))
        result[str(value)] = tuple(parsed)
    return result


def config_from(raw: Mapping[str, Any]) -> SsoConfig:
    """The typed configuration; raises SsoConfigError when it is half-set or malformed."""
    issuer = str(raw.get("issuer", "")).rstrip("/")
    client_id, client_secret = str(raw.get("client_id", "")), str(raw.get("client_secret", ""))
    given = {"CIVICPACT_OIDC_ISSUER": issuer, "CIVICPACT_OIDC_CLIENT_ID": client_id}
    given["CIVICPACT_OIDC_CLIENT_SECRET"] = client_secret
    if any(given.values()) and not all(given.values()):
        missing = ", ".join(name for name, value in given.items() if not value)
        raise SsoConfigError(f"single sign-on is half configured: set {missing} too (or none of them)")
    scopes = str(raw.get("scopes", "openid email profile"))
    if issuer and "openid" not in scopes.split():
        raise SsoConfigError("CIVICPACT_OIDC_SCOPES must include 'openid'")
    token_auth = str(raw.get("token_auth", "client_secret_basic"))
    if token_auth not in {"client_secret_basic", "client_secret_post"}:
        raise SsoConfigError("CIVICPACT_OIDC_TOKEN_AUTH must be client_secret_basic or client_secret_post")
    return SsoConfig(
        name=str(raw.get("name") or "city single sign-on"),
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        sign_algo=str(raw.get("sign_algo", "RS256")),
        use_pkce=bool(raw.get("use_pkce", True)),
        token_auth=token_auth,
        allowed_email_domains=frozenset(d.lower().lstrip("@") for d in raw.get("allowed_email_domains", [])),
        groups_claim=str(raw.get("groups_claim", "groups")),
        role_map=parse_role_map(str(raw.get("role_map", ""))),
        trust_mfa=bool(raw.get("trust_mfa", True)),
        mfa_amr=frozenset(raw.get("mfa_amr", ["mfa", "otp"])),
        timeout=int(raw.get("timeout", 10)),
        endpoints={name: str(raw[name]) for name in ENDPOINTS if raw.get(name)},
    )


def current_config() -> SsoConfig:
    return config_from(settings.CIVICPACT_OIDC)


_discovered: dict[str, dict[str, Any]] = {}
_discovery_lock = threading.Lock()


def endpoints(config: SsoConfig) -> dict[str, str]:
    """The provider's endpoints: the ones configured one by one, the rest from its discovery document (read once
    per process). Raises SsoUnavailable when a needed one is neither configured nor discoverable."""
    needed = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
    found = dict(config.endpoints)
    if not all(found.get(name) for name in needed):
        document = _discovery(config)
        if document.get("issuer", "").rstrip("/") != config.issuer:
            raise SsoUnavailable(
                f"the discovery document names issuer {document.get('issuer')!r}, not {config.issuer!r}"
            )
        for name in ENDPOINTS:
            if not found.get(name) and isinstance(document.get(name), str):
                found[name] = document[name]
    missing = [name for name in needed if not found.get(name)]
    if missing:
        raise SsoUnavailable(f"the provider names no {', '.join(missing)}")
    return found


def _discovery(config: SsoConfig) -> dict[str, Any]:
    url = f"{config.issuer}/.well-known/openid-configuration"
    with _discovery_lock:
        if url in _discovered:
            return _discovered[url]
    try:
        response = requests.get(url, timeout=config.timeout)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoUnavailable(f"cannot read {url}: {exc}") from None
    if not isinstance(document, dict):
        raise SsoUnavailable(f"{url} is not a JSON object")
    with _discovery_lock:
        _discovered[url] = document
    return document


def forget_discovery() -> None:
    """Drop the cached discovery documents (after a configuration change; tests)."""
    with _discovery_lock:
        _discovered.clear()


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """A claim as a list of strings: providers send groups as a list, a single string, or space-separated."""
    value = claims.get(name)
    if isinstance(value, str):
        return value.split()
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value]
    return []


def role_grants(config: SsoConfig, claims: Mapping[str, Any]) -> list[RoleGrant]:
    """The roles the claims map to, each once, in the role map's order."""
    values = set(claim_values(claims, config.groups_claim))
    grants: list[RoleGrant] = []
    for value, mapped in config.role_map.items():
        if value in values:
            grants.extend(g for g in mapped if g not in grants)
    return grants


def email_refusal(config: SsoConfig, claims: Mapping[str, Any]) -> str:
    """Why this e-mail address may not sign in, or '' when it may."""
    email = str(claims.get("email") or "").strip().lower()
    if not config.allowed_email_domains:
        return ""
    if not email or "@" not in email:
        return gettext(
            "%(provider)s sent no e-mail address, and CivicPact accepts only addresses of the city's domains."
        ) % {"provider": config.name}
    if claims.get("email_verified") is False:
        return gettext("%(provider)s says your e-mail address %(email)s is not verified.") % {
            "provider": config.name,
            "email": email,
        }
    domain = email.rsplit("@", 1)[1]
    if domain not in config.allowed_email_domains:
        allowed = ", ".join(sorted(config.allowed_email_domains))
        return gettext("Single sign-on is open to addresses at %(allowed)s; %(email)s is not one of them.") % {
            "allowed": allowed,
            "email": email,
        }
    return ""


def mfa_asserted(config: SsoConfig, id_token_claims: Mapping[str, Any]) -> bool:
    """True when the provider says it checked a second factor (`amr`) and this deployment trusts it to."""
    return config.trust_mfa and bool(set(claim_values(id_token_claims, "amr")) & config.mfa_amr)
