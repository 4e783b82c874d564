"""The request log: one line per request with its id, path, status, duration and user id (docs/deployment.md)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.utils.functional import empty

from civicpact.logs import REQUEST_ID_KEY, request_id_var
from civicpact.util import id_out_of_range

logger = logging.getLogger("civicpact.request")

# A request id from the proxy (nginx's $request_id is 32 hex digits) is kept when it looks like one; anything
# else is replaced, so that a client cannot write into the log through the header.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Path parts that are secrets: the password-reset link's user and token
SECRET_URL_KWARGS = frozenset({"uidb64", "token"})


def _request_id(request: HttpRequest) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _logged_path(request: HttpRequest) -> str:
    """The path without its query string (searches may name people), secrets in the URL replaced."""
    path = request.path
    match = request.resolver_match
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and value:
                path = path.replace(str(value), "[redacted]")
    return path


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if the request already looked the user up (no query of its own)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """Give each request an id (X-Request-ID, also on the response) and log it once it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = _request_id(request)
        request.META[REQUEST_ID_KEY] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = _logged_path(request)
            logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class OutOfRangeIdMiddleware:
    """A page whose URL carries an id no database integer holds (e.g. /tenders/10000000000000000000000/) is a 404,
    not a 500: SQLite's driver raises OverflowError for it, PostgreSQL a DataError "out of range". (The API answers
    the same in its own error shape, civicpact/api.py.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        from django.http import Http404
        from django.utils.translation import gettext as _
        from django.views.defaults import page_not_found

        if id_out_of_range(exception):
            return page_not_found(request, Http404(_("No such page: an id in the address is out of range.")))
        return None


class ApiInEnglishMiddleware:
    """The JSON API answers in English whatever the browser or the language cookie asks (docs/languages.md): its
    clients match on its messages, and pages share services whose messages are translated. After LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith("/api/"):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)


class ReaderLanguageMiddleware:
    """A signed-in person's language follows them to another browser: without a language cookie, the pages speak
    the language kept on their account (`User.language`, set by the switcher), and the cookie is set from it. Not
    for the JSON API (always English). After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        chosen = settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        if not language or chosen or request.path.startswith("/api/"):
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
        )
        return response
