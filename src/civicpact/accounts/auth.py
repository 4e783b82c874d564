"""Authentication for the API: bearer tokens, sessions, and anonymous reads of public data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from civicpact.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>, for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


def public_or_authenticated(request: HttpRequest) -> Any:
    """For public reads: anyone may call, but a token that is sent must be valid."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        user = api_token_authenticate(raw=raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError
        request.user = user
        return user
    if request.user.is_authenticated:
        return request.user
    return AnonymousUser()


AUTHENTICATED = [TokenAuth(), django_auth]
PUBLIC = [public_or_authenticated]
