"""The periodic deadline reminders: run by the task worker (`deadline_reminders_task`), enqueued by
`civicpact notify-deadlines` from cron or a systemd timer (docs/notifications.md). Idempotent: each reminder has a
key (`domain.reminders.reminder_key`) and a person never gets the same key twice, however often the job runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicpact.accounts.models import User
from civicpact.domain.reminders import due_offset, offset_label, reminder_key
from civicpact.notifications.deadlines import Deadline, deadlines
from civicpact.notifications.services import notify

VERBS = {
    "Questions due": "the last moment to ask a question about",
    "Bids due": "the last moment to submit a bid on",
    "Evaluation due": "the end of the evaluation of",
    "Standstill ends": "the end of the standstill of",
}


def reminder_offsets() -> tuple[timedelta, ...]:
    return tuple(timedelta(hours=int(hours)) for hours in settings.CIVICPACT_REMINDER_HOURS)


def _text(deadline: Deadline, offset: timedelta) -> tuple[str, str]:
    when = timezone.localtime(deadline.at)
    moment = f"{deadline.day:%d %b %Y} (the whole day)" if deadline.day else f"{when:%d %b %Y %H:%M} (city time)"
    title = f"In {offset_label(offset)}: {deadline.title}"
    what = VERBS.get(deadline.what, deadline.what.lower() + " of")
    body = f"Reminder: {moment} is {what} {deadline.subject}."
    return title, body


def deadline_reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders due now (at most one per deadline and person per offset, ever); returns how many."""
    now = now or timezone.now()
    offsets = reminder_offsets()
    made = 0
    with transaction.atomic():
        for deadline in deadlines(start=now, end=now + max(offsets)):
            offset = due_offset(deadline.at, now, offsets)
            if offset is None:
                continue
            title, body = _text(deadline, offset)
            made += len(
                notify(
                    recipients=User.objects.filter(pk__in=deadline.recipients),
                    kind=deadline.kind,
                    title=title,
                    body=body,
                    url=deadline.url,
                    key=reminder_key(deadline.uid, deadline.at, offset),
                )
            )
    return made
