"""Each person's calendar feed (/calendar/<token>.ics): the deadlines that concern them as iCalendar events, built
with the `icalendar` library. Calendar clients cannot sign in, so the address carries a secret token (rotatable);
an unknown or rotated token is a 404. Each event's UID names the deadline for good, so a moved deadline updates
the event already in the person's calendar instead of adding a second one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Alarm, Calendar, Event

from civicpact.accounts.models import User
from civicpact.notifications.deadlines import Deadline, deadlines_for
from civicpact.notifications.models import CalendarFeed, Kind, feed_digest
from civicpact.notifications.services import absolute

HISTORY = timedelta(days=90)  # past deadlines kept in the feed


def feed_user(token: str) -> User:
    """The person whose feed this token opens; Http404 for an unknown, rotated or revoked token."""
    feed = CalendarFeed.objects.select_related("user").filter(digest=feed_digest(token)).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    return feed.user


def feed_url(token: str) -> str:
    return absolute(reverse("notifications:calendar-feed", args=[token]))


def uid_domain() -> str:
    return urlsplit(settings.CIVICPACT_PUBLIC_URL).hostname or "civicpact.invalid"


def _event(deadline: Deadline, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{deadline.uid}@{uid_domain()}")
    event.add("dtstamp", stamp)
    event.add("summary", deadline.title)
    if deadline.day is not None:
        event.add("dtstart", deadline.day)
        event.add("dtend", deadline.day + timedelta(days=1))
    else:
        event.add("dtstart", deadline.at.astimezone(UTC))
    event.add("description", f"{Kind(deadline.kind).label}. {absolute(deadline.url)}")
    event.add("url", absolute(deadline.url))
    event.add("categories", [str(Kind(deadline.kind).label)])
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", deadline.title)
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    return event


def calendar_for(user: User, *, now: datetime | None = None) -> bytes:
    """The person's deadlines (from 90 days back on) as an iCalendar document."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//CivicPact//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", gettext("CivicPact deadlines (%(city)s)") % {"city": settings.CIVICPACT_CITY_NAME})
    for deadline in deadlines_for(user, start=now - HISTORY):
        calendar.add_component(_event(deadline, now))
    ical: bytes = calendar.to_ical()
    return ical
