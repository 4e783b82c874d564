"""/api/v1/notifications/: the signed-in person's own notifications, preferences, deadlines and calendar address."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from civicpact.accounts import permissions
from civicpact.notifications import selectors, services
from civicpact.notifications.deadlines import deadlines_for
from civicpact.notifications.feed import feed_url
from civicpact.notifications.models import Kind
from civicpact.pagination import PageNumberPagination

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="One of: " + ", ".join(Kind.values))
    title: str
    body: str
    url: str = Field(description="Where to act on it: a path on this site")
    created_at: datetime
    read_at: datetime | None
    emailed: bool


class CountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class PreferencesIO(Schema):
    email: dict[str, bool] = Field(description="Per kind: e-mail on (true) or off (false); kinds left out are on")


class DeadlineOut(Schema):
    uid: str
    kind: str
    title: str
    at: datetime
    day: date | None = Field(description="For a last day (a dispute rung's): the day; `at` is its end")
    url: str


class FeedOut(Schema):
    url: str = Field(description="The new secret calendar address; the previous one stops working now")


@router.get("/", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(PageNumberPagination, page_size=50)
def notification_list(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.notification_list(actor=request.user, unread_only=unread)


@router.get("/unread-count", response=CountOut, summary="How many of my notifications are unread")
def unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.unread_count(actor=request.user)}


@router.post("/read-all", response=MarkedOut, summary="Mark all my notifications read")
def read_all(request: HttpRequest) -> Any:
    return {"marked": services.notifications_read_all(actor=permissions.signed_in_user(request))}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one of my notifications read")
def read(request: HttpRequest, notification_id: int) -> Any:
    return services.notification_read(actor=permissions.signed_in_user(request), notification_id=notification_id)


@router.get("/preferences", response=PreferencesIO, summary="Which kinds I am e-mailed about")
def preferences_get(request: HttpRequest) -> Any:
    return {"email": services.email_preferences(permissions.signed_in_user(request))}


@router.put("/preferences", response=PreferencesIO, summary="Turn e-mails of each kind on or off")
def preferences_put(request: HttpRequest, payload: PreferencesIO) -> Any:
    user = permissions.signed_in_user(request)
    unknown = sorted(set(payload.email) - set(Kind.values))
    if unknown:
        raise ValidationError({"email": f"{unknown[0]!r} is not a kind of notification: one of {', '.join(Kind)}."})
    current = services.email_preferences(user) | payload.email
    return {"email": services.preferences_save(actor=user, email_kinds=[k for k, on in current.items() if on])}


@router.get("/deadlines", response=list[DeadlineOut], summary="The deadlines ahead that concern me")
def my_deadlines(request: HttpRequest) -> Any:
    with translation.override("en"):  # the API answers in English, whatever the language of the pages
        return [
            {"uid": d.uid, "kind": d.kind, "title": d.title, "at": d.at, "day": d.day, "url": d.url}
            for d in deadlines_for(request.user, start=timezone.now())
        ]


@router.post("/calendar-feed", response=FeedOut, summary="A new secret calendar (ICS) address for me")
def calendar_feed_rotate(request: HttpRequest) -> Any:
    return {"url": feed_url(services.calendar_feed_rotate(actor=permissions.signed_in_user(request)))}
