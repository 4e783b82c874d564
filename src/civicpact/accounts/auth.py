"""Authentication for the API: bearer tokens, sessions, and anonymous reads of public data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from civicpact.accounts.exceptions import TokenRefused
from civicpact.accounts.services import api_token_authenticate


def _user_of(raw: str) -> Any:
    """The token's user, None for an unknown token; an expired or revoked one is a 401 saying so."""
    try:
        return api_token_authenticate(raw=raw)
    except TokenRefused as exc:
        raise AuthenticationError(message=str(exc)) from None


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>, for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = _user_of(token)
        if user is not None:
            request.user = user
        return user


def public_or_authenticated(request: HttpRequest) -> Any:
    """For public reads: anyone may call, but a token that is sent must be valid."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        user = _user_of(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError
        request.user = user
        return user
    if request.user.is_authenticated:
        return request.user
    return AnonymousUser()


AUTHENTICATED = [TokenAuth(), django_auth]
PUBLIC = [public_or_authenticated]
