"""Single sign-on through mozilla-django-oidc: the authorization code flow, configured from settings.CIVICPACT_OIDC.

mozilla-django-oidc does the protocol (state, nonce, PKCE, the token exchange, the id_token's signature against the
provider's JWKS, userinfo). These subclasses add what CivicPact needs on top: configuration read per request rather
than from OIDC_* settings, the id_token's issuer, audience and expiry checked, users matched by issuer and subject
(`services.sso_sign_in`), and every refusal turned into a message on the sign-in page instead of an error page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from civicpact.accounts import services, two_factor
from civicpact.accounts.exceptions import SignInRefused
from civicpact.accounts.sso import SsoConfig, SsoConfigError, SsoUnavailable, current_config, endpoints, mfa_asserted

logger = logging.getLogger(__name__)

REFUSAL_ATTRIBUTE = "civicpact_sso_refusal"
MFA_ATTRIBUTE = "civicpact_sso_mfa"


def enabled_config() -> SsoConfig | None:
    """The configuration when single sign-on is on, else None."""
    try:
        config = current_config()
    except SsoConfigError as exc:
        logger.error("single sign-on is off: %s", exc)  # manage.py check names it too
        return None
    return config if config.enabled else None


def oidc_settings(config: SsoConfig, found: dict[str, str]) -> dict[str, Any]:
    """The OIDC_* settings mozilla-django-oidc reads, from CivicPact's configuration."""
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": found["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": found["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": found["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": found["jwks_uri"],
        "OIDC_RP_CLIENT_ID": config.client_id,
        "OIDC_RP_CLIENT_SECRET": config.client_secret,
        "OIDC_RP_SIGN_ALGO": config.sign_algo,
        "OIDC_RP_IDP_SIGN_KEY": None,
        "OIDC_RP_SCOPES": config.scopes,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": config.use_pkce,
        "OIDC_TIMEOUT": config.timeout,
        "OIDC_TOKEN_USE_BASIC_AUTH": config.token_auth == "client_secret_basic",  # noqa: S105 - a method name
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso-callback",
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_VERIFY_KID": True,
    }


class CityOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Signs a person in from the provider's answer at the callback; answers None to every other sign-in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django makes every backend for each sign-in, password ones included: read nothing here.
        self.UserModel = get_user_model()
        self.config: SsoConfig | None = None
        self.settings: dict[str, Any] = {}

    def get_settings(self, attr: str, *args: Any) -> Any:
        if attr in self.settings:
            return self.settings[attr]
        return import_from_settings(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or "nonce" not in kwargs:
            return None
        config = enabled_config()
        if config is None:
            return None
        try:
            self.configure(config)
            return super().authenticate(request, **kwargs)
        except SignInRefused as exc:
            refusal = str(exc)
        except SsoUnavailable as exc:
            logger.warning("single sign-on provider unavailable: %s", exc)
            refusal = gettext("%(provider)s cannot be reached just now. Try again, or sign in with a password.") % {
                "provider": config.name
            }
        except requests.RequestException as exc:
            logger.warning("single sign-on exchange failed: %s", exc)
            refusal = gettext(
                "%(provider)s refused to complete the sign-in (the code may be used or expired). Try again."
            ) % {"provider": config.name}
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError) as exc:
            logger.warning("single sign-on answer rejected: %s", exc)
            refusal = gettext(
                "The answer from %(provider)s could not be verified, so you are not signed in. Try again."
            ) % {"provider": config.name}
        setattr(request, REFUSAL_ATTRIBUTE, refusal)
        return None

    def configure(self, config: SsoConfig) -> None:
        self.config = config
        self.settings = oidc_settings(config, endpoints(config))
        self.OIDC_OP_TOKEN_ENDPOINT = self.settings["OIDC_OP_TOKEN_ENDPOINT"]
        self.OIDC_OP_USER_ENDPOINT = self.settings["OIDC_OP_USER_ENDPOINT"]
        self.OIDC_OP_JWKS_ENDPOINT = self.settings["OIDC_OP_JWKS_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = config.client_id
        self.OIDC_RP_CLIENT_SECRET = config.client_secret
        self.OIDC_RP_SIGN_ALGO = config.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None

    def retrieve_matching_jwk(self, token: str) -> Any:
        """The provider's signing key for this token: the one with its `kid`, or, when the token names none (a
        provider with a single key may leave it out), the only signing key for its algorithm."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=self.get_settings("OIDC_TIMEOUT", 10))
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        algorithm, kid = header.get("alg"), header.get("kid")
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig" and key.get("alg", algorithm) == algorithm
        ]
        if kid is not None:
            keys = [key for key in keys if key.get("kid") == kid]
        if len(keys) != 1:
            raise SuspiciousOperation(f"{len(keys)} signing keys of the provider match the id_token")
        return jwt.PyJWK(keys[0], algorithm=algorithm)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The signature and nonce (mozilla-django-oidc), then the id_token's issuer, audience, expiry and subject."""
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if "nonce" in kwargs and self.config is not None:  # the id_token, not a signed userinfo answer
            check_id_token(self.config, payload)
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        if self.config is None:
            raise SuspiciousOperation("single sign-on is not configured")
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload["sub"]):
            raise SignInRefused(
                gettext("%(provider)s answered about another person; you are not signed in.")
                % {"provider": self.config.name}
            )
        user = services.sso_sign_in(config=self.config, subject=str(payload["sub"]), claims={**payload, **userinfo})
        setattr(self.request, MFA_ATTRIBUTE, mfa_asserted(self.config, payload))
        return user

    def get_user(self, user_id: Any) -> Any:
        return ModelBackend.get_user(self, user_id)  # refuses switched-off accounts, as password sign-ins do


def check_id_token(config: SsoConfig, claims: dict[str, Any]) -> None:
    """OpenID Connect Core 3.1.3.7: the token is from our issuer, for us, unexpired, about someone."""
    issuer = str(claims.get("iss", "")).rstrip("/")
    if issuer != config.issuer:
        raise SignInRefused(
            gettext(
                "The sign-in answer came from %(issuer)s, not from %(provider)s (%(expected)s); you are not signed in."
            )
            % {"issuer": issuer or gettext("an unnamed issuer"), "provider": config.name, "expected": config.issuer}
        )
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if config.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != config.client_id):
        raise SignInRefused(
            gettext("The sign-in answer from %(provider)s was meant for another application.")
            % {"provider": config.name}
        )
    if not isinstance(claims.get("exp"), int | float) or not claims.get("sub"):
        raise SignInRefused(
            gettext("The sign-in answer from %(provider)s lacks its expiry or subject.") % {"provider": config.name}
        )


def refused(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("accounts:login")


class SsoStartView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """ "Sign in with <city SSO>": to the provider's authorization endpoint, with state, nonce and PKCE."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # mozilla's reads OIDC_* settings here; ours come per request
        self.settings: dict[str, Any] = {}

    def get_settings(self, attr: str, *args: Any) -> Any:
        if attr in self.settings:
            return self.settings[attr]
        return import_from_settings(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        config = enabled_config()
        if config is None:
            raise Http404(gettext("Single sign-on is not configured here."))
        try:
            self.settings = oidc_settings(config, endpoints(config))
        except SsoUnavailable as exc:
            logger.warning("single sign-on provider unavailable: %s", exc)
            return refused(
                request, f"{config.name} cannot be reached just now. Try again, or sign in with a password."
            )
        self.OIDC_OP_AUTH_ENDPOINT = self.settings["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = config.client_id
        response: HttpResponseBase = super().get(request)
        return response


class SsoCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """The provider sends the person back here with a code; a refusal becomes a message on the sign-in page."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        self.config = enabled_config()
        if self.config is None:
            raise Http404(gettext("Single sign-on is not configured here."))
        if request.GET.get("error"):
            reason = request.GET.get("error_description") or request.GET["error"]
            self.refusal = gettext("%(provider)s did not sign you in (%(reason)s).") % {
                "provider": self.config.name,
                "reason": reason,
            }
        state = request.GET.get("state")
        if "code" in request.GET and state is not None and state not in request.session.get("oidc_states", {}):
            return refused(
                request,
                gettext(
                    "This sign-in answer does not belong to a sign-in started in this browser (it is old, was used "
                    "already, or was forged). Start again."
                ),
            )
        response: HttpResponseBase = super().get(request)
        return response

    def login_failure(self) -> HttpResponse:
        message = getattr(self, "refusal", "") or getattr(self.request, REFUSAL_ATTRIBUTE, "")
        return refused(self.request, message or gettext("Single sign-on did not complete; start again."))

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        services.login_record(user=self.user, address=self.request.META.get("REMOTE_ADDR", ""), method="sso")
        two_factor.note_sign_in(self.request.session, self.user, sso_mfa=getattr(self.request, MFA_ATTRIBUTE, False))
        return response


def end_session_url(request: HttpRequest, id_token: str) -> str:
    """Where to send a person signing out after a single sign-on, so the provider's session ends too ('' when the
    provider names no end-session endpoint)."""
    config = enabled_config()
    if config is None or not id_token:
        return ""
    try:
        endpoint = endpoints(config).get("end_session_endpoint", "")
    except SsoUnavailable:
        return ""
    if not endpoint:
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": config.client_id,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("web:home")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
