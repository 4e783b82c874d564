"""What the tendering services say, in the reader's language on the pages and in English in the API.

A service writes its refusals and notes in English, marked with `gettext_noop` so that `make messages` collects
them: the API answers with them as they are (docs/languages.md: the API speaks English). A page passes the
exception, the note or the list of notes through `shown()`, which looks the text up in the active language's
catalogue and fills its placeholders. A text with placeholders is a `Phrase`: a `str` holding the English, which
remembers its message and its values so that a page can say it again in another language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ParamSpec, TypeVar, overload

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.functional import Promise, keep_lazy_text
from django.utils.translation import gettext

from civicpact import l10n

P = ParamSpec("P")
R = TypeVar("R")


class Phrase(str):
    """English text (`message % params`) that can be said again in the reader's language with `shown()`.

    A value may itself be a Phrase, a list of them (joined with "; "), a lazy text (a choice's label: English in
    the English text) or a moment (a datetime: "07 Dec 2026 14:05" in English, the reader's format on a page)."""

    message: str
    params: dict[str, Any]

    def __new__(cls, message: str, params: Mapping[str, Any] | None = None) -> Phrase:
        values = dict(params or {})
        phrase = super().__new__(cls, message % {k: _english(v) for k, v in values.items()} if values else message)
        phrase.message, phrase.params = str(message), values
        return phrase


def _english(value: Any) -> Any:
    if isinstance(value, Promise):
        with translation.override("en"):
            return str(value)
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value) if isinstance(value, Phrase) else value


def _reader(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, datetime):
        return l10n.when(value, with_time=True)
    if isinstance(value, list | tuple):
        return "; ".join(shown(v) for v in value)
    return shown(value) if isinstance(value, Phrase) else value


@keep_lazy_text
def lower(text: str) -> str:
    """A text in lower case; a lazy one stays lazy, lowered in whichever language it is said:
    `lower(TenderStatus.OPENED.label)`."""
    return str(text).lower()


def shown(thing: Any) -> str:
    """A refusal (TenderingError, ValidationError, PermissionDenied), a Phrase or a marked English text, in the
    active language (as it is where the catalogue does not know it: a domain rule's own words, for one)."""
    from civicpact.tendering.exceptions import TenderingError

    if isinstance(thing, TenderingError):
        return shown(thing.phrase)
    if isinstance(thing, ValidationError):
        return " ".join(_messages(thing))
    if isinstance(thing, PermissionDenied):
        return shown(thing.args[0]) if thing.args else ""
    if isinstance(thing, Phrase):
        if not thing.params:
            return gettext(thing.message)
        return gettext(thing.message) % {k: _reader(v) for k, v in thing.params.items()}
    return gettext(str(thing)) if thing else ""


def shown_all(things: Sequence[Any]) -> list[str]:
    return [shown(thing) for thing in things]


def _one(error: ValidationError) -> str:
    if error.params:  # Django's own messages: already in the reader's language, placeholders apart
        return gettext(str(error.message)) % error.params
    return shown(error.message)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [_one(e) for errors in exc.error_dict.values() for e in errors]
    return [_one(e) for e in exc.error_list]


@overload
def translated(exc: ValidationError) -> ValidationError: ...


@overload
def translated(exc: Exception) -> Exception: ...


def translated(exc: Exception) -> Exception:
    """The same refusal with its messages in the reader's language, for a page to show (fields kept)."""
    from civicpact.tendering.exceptions import TenderingError

    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return ValidationError({field: [_one(e) for e in errors] for field, errors in exc.error_dict.items()})
        return ValidationError([_one(e) for e in exc.error_list])
    if isinstance(exc, TenderingError):
        return type(exc)(shown(exc))
    if isinstance(exc, PermissionDenied):
        return PermissionDenied(shown(exc))
    return exc


def refusals_in_reader_language(view: Callable[P, R]) -> Callable[P, R]:
    """A page's view whose services may refuse with PermissionDenied: the 403 page says why in the reader's
    language."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return view(*args, **kwargs)
        except PermissionDenied as exc:
            raise PermissionDenied(shown(exc)) from exc

    return wrapper
