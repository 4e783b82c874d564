"""Reads: a person's own notifications only (nobody reads another's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicpact.accounts import permissions
from civicpact.notifications.models import CalendarFeed, Notification


def notification_list(*, actor: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's notifications, newest first (none for an anonymous visitor)."""
    if not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    rows = Notification.objects.filter(user=actor)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def notification_get(*, actor: Any, pk: int) -> Notification:
    notification = Notification.objects.filter(pk=pk).first()
    if notification is None or not permissions.can_read_notification(actor, notification):
        raise Http404("No such notification.")
    return notification


def unread_count(*, actor: Any) -> int:
    return notification_list(actor=actor, unread_only=True).count()


def calendar_feed(*, actor: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
