"""The second factor is enforced here, once, for every page and endpoint (see two_factor.py for the rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_otp import user_has_device

from civicpact.accounts import two_factor

# The pages a person who still owes a code may open: signing in and out, enrolling and verifying.
EXEMPT_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two-factor-setup",
        "accounts:two-factor-verify",
        "accounts:sso-start",
        "accounts:sso-callback",
        "healthz",
    }
)


class TwoFactorMiddleware:
    """Sends a signed-in person who still owes a second factor to enrol or to enter a code.

    Pages redirect (keeping `next`); API calls on the session answer 403 in the API's error shape; API calls with a
    bearer token pass (machine clients authenticate with the token alone)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        api_call = match is not None and "api" in match.namespaces
        if api_call and request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        if not two_factor.verification_owed(request):
            return None
        request.civicpact_two_factor_pending = True  # type: ignore[attr-defined]
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if api_call:
            return JsonResponse(
                {
                    "detail": "Two-factor verification is required: finish signing in in the browser "
                    f"({reverse('accounts:two-factor-verify')}), or call the API with a token.",
                    "errors": [],
                },
                status=403,
            )
        return self.redirect(request)

    @staticmethod
    def redirect(request: HttpRequest) -> HttpResponse:
        target = "accounts:two-factor-verify" if user_has_device(request.user) else "accounts:two-factor-setup"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
