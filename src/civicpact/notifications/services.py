"""Writes: notifying people (in-app row + e-mail at commit), marking read, preferences, the calendar feed's token,
the city's holidays.

`notify` is this app's core service: every app that decides something concerning a person calls it inside its
own transaction, as it calls `audit_append`. Notifications themselves are not audited (they are messages about
events the audit chain already holds, and reminders are made by the periodic job); the person's own settings and
the city's holidays are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from civicpact import l10n
from civicpact.accounts import permissions
from civicpact.accounts.models import Role, User
from civicpact.ledger.services import audit_append
from civicpact.notifications.models import (
    CalendarFeed,
    CityHoliday,
    Kind,
    Notification,
    Preference,
    feed_digest,
)

MailMessage = tuple[str, str, str, list[str]]
# A message's title or body: a fixed text, or a function that writes it in the active language (called once per
# language among the recipients, so each person reads it in their own: `reader_language`).
Text = str | Callable[[], str]


def absolute(url: str) -> str:
    return f"{settings.CIVICPACT_PUBLIC_URL.rstrip('/')}{url}" if url.startswith("/") else url


def supplier_users(organisation_ids: Iterable[int]) -> list[User]:
    """The active users of these supplier organisations."""
    ids = sorted({int(i) for i in organisation_ids})
    if not ids:
        return []
    return list(
        User.objects.filter(
            is_active=True, memberships__organisation_id__in=ids, memberships__role=Role.SUPPLIER_USER
        ).distinct()
    )


def role_users(*roles: str) -> list[User]:
    """The active users holding any of these roles (the PPP unit is `procurement_officer`)."""
    return list(User.objects.filter(is_active=True, memberships__role__in=roles).distinct())


def reader_language(user: User) -> str:
    """The language a person reads messages in: the one they last chose with the switcher, else the city's."""
    return user.language or settings.LANGUAGE_CODE


def _written(title: Text, body: Text) -> tuple[str, str]:
    return (title() if callable(title) else title), (body() if callable(body) else body)


def _email(notification: Notification, user: User) -> MailMessage:
    link = f"\n\n{absolute(notification.url)}" if notification.url else ""
    footer = "\n\n—\n" + gettext(
        "You receive this e-mail because it concerns you in CivicPact. Turn e-mails of this kind off on %(url)s"
    ) % {"url": absolute("/notifications/settings/")}
    return (notification.title, f"{notification.body}{link}{footer}", settings.DEFAULT_FROM_EMAIL, [user.email])


def notify(
    *, recipients: Iterable[User], kind: Kind, title: Text, body: Text, url: str = "", key: str = ""
) -> list[Notification]:
    """Notify each recipient once: an in-app notification, and an e-mail sent when the transaction commits unless
    the person turned e-mails of this kind off (or has no address). With a `key`, a person who already has a
    notification with that key gets nothing new (reminders are idempotent). Returns the notifications made.

    A title or body given as a function is written in each recipient's language (`reader_language`), whatever
    language the person acting reads."""
    people = list({user.pk: user for user in recipients if user.is_active}.values())
    if not people:
        return []
    texts: dict[str, tuple[str, str]] = {}
    with transaction.atomic():
        muted = set(
            Preference.objects.filter(user__in=people, kind=kind, email=False).values_list("user_id", flat=True)
        )
        made: list[Notification] = []
        mails: list[MailMessage] = []
        for user in people:
            language = reader_language(user)
            if language not in texts:
                with translation.override(language):
                    texts[language] = _written(title, body)
            written_title, written_body = texts[language]
            fields = {"kind": kind, "title": written_title[:300], "body": written_body, "url": url}
            emailed = bool(user.email) and user.pk not in muted
            if key:
                notification, created = Notification.objects.get_or_create(
                    user=user, key=key, defaults={**fields, "emailed": emailed}
                )
                if not created:
                    continue
            else:
                notification = Notification.objects.create(user=user, emailed=emailed, **fields)
            made.append(notification)
            if emailed:
                with translation.override(language):
                    mails.append(_email(notification, user))
        if mails:
            transaction.on_commit(lambda: send_mass_mail(tuple(mails), fail_silently=True))
    return made


def _own(actor: User, notification_id: int) -> Notification:
    notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if notification is None or not permissions.can_read_notification(actor, notification):
        raise Http404(gettext("No such notification."))  # another person's is as absent as a missing one
    return notification


def notification_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (a second time changes nothing)."""
    with transaction.atomic():
        notification = _own(actor, notification_id)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return notification


def notifications_read_all(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    with transaction.atomic():
        return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def preferences_save(*, actor: User, email_kinds: Iterable[str]) -> dict[str, bool]:
    """Set which kinds the actor is e-mailed about (the others stay in-app only); returns the choice per kind."""
    chosen = set(email_kinds)
    unknown = chosen - set(Kind.values)
    if unknown:
        raise ValidationError({"email": f"{sorted(unknown)[0]!r} is not a kind of notification."})
    choice = {kind: kind in chosen for kind in Kind.values}
    with transaction.atomic():
        for kind, email in choice.items():
            Preference.objects.update_or_create(user=actor, kind=kind, defaults={"email": email})
        audit_append(
            actor=actor,
            action="notifications.preferences",
            obj=actor,
            payload={"email_off": sorted(k for k, on in choice.items() if not on)},
        )
    return choice


def email_preferences(user: User) -> dict[str, bool]:
    """Whether the user is e-mailed about each kind (on unless turned off)."""
    off = set(Preference.objects.filter(user=user, email=False).values_list("kind", flat=True))
    return {kind: kind not in off for kind in Kind.values}


def calendar_feed_rotate(*, actor: User) -> str:
    """Make a new secret calendar address for the actor; any earlier one stops working. Returns the token, which
    is shown once (only its digest is kept)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(gettext("Sign in to get a calendar feed."))
    token = CalendarFeed.generate()
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user=actor, defaults={"digest": feed_digest(token), "hint": token[:6], "created_at": timezone.now()}
        )
        if not created:
            feed.digest, feed.hint, feed.created_at = feed_digest(token), token[:6], timezone.now()
            feed.save(update_fields=["digest", "hint", "created_at"])
        audit_append(
            actor=actor, action="calendar.feed_rotate", obj=actor, payload={"hint": feed.hint, "first": created}
        )
    return token


def calendar_feed_revoke(*, actor: User) -> bool:
    """Stop the actor's calendar address; True when there was one."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
        if feed is None:
            return False
        audit_append(actor=actor, action="calendar.feed_revoke", obj=actor, payload={"hint": feed.hint})
        feed.delete()
    return True


def city_holiday_add(*, actor: User, day: date, name: str) -> CityHoliday:
    """An administrator adds a day off in the city (it then counts in every working-day deadline)."""
    if not permissions.can_manage_holidays(actor):
        raise PermissionDenied(gettext("Only an administrator keeps the city's holidays."))
    if not name.strip():
        raise ValidationError({"name": gettext("Say what the day is, e.g. the city's patron saint's day.")})
    with transaction.atomic():
        if CityHoliday.objects.filter(day=day).exists():
            raise ValidationError(
                {"day": gettext("%(day)s is already one of the city's holidays.") % {"day": l10n.when(day)}}
            )
        holiday = CityHoliday(day=day, name=name.strip()[:200], added_by=actor)
        holiday.full_clean()
        holiday.save()
        audit_append(
            actor=actor, action="calendar.holiday_add", obj=holiday, payload={"day": str(day), "name": holiday.name}
        )
        return holiday


def city_holiday_remove(*, actor: User, holiday_id: int) -> None:
    if not permissions.can_manage_holidays(actor):
        raise PermissionDenied(gettext("Only an administrator keeps the city's holidays."))
    with transaction.atomic():
        holiday = CityHoliday.objects.select_for_update().filter(pk=holiday_id).first()
        if holiday is None:
            raise Http404(gettext("No such holiday."))
        audit_append(
            actor=actor,
            action="calendar.holiday_remove",
            obj=holiday,
            payload={"day": str(holiday.day), "name": holiday.name},
        )
        holiday.delete()
