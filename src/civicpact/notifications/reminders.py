"""The periodic deadline reminders: run by the task worker (`deadline_reminders_task`), enqueued by
`civicpact notify-deadlines` from cron or a systemd timer (docs/notifications.md). Idempotent: each reminder has a
key (`domain.reminders.reminder_key`) and a person never gets the same key twice, however often the job runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpact import l10n
from civicpact.accounts.models import User
from civicpact.domain.reminders import due_offset, reminder_key
from civicpact.notifications.deadlines import Deadline, deadlines
from civicpact.notifications.models import Kind
from civicpact.notifications.services import notify


def reminder_offsets() -> tuple[timedelta, ...]:
    return tuple(timedelta(hours=int(hours)) for hours in settings.CIVICPACT_REMINDER_HOURS)


def offset_text(offset: timedelta) -> str:
    """ "7 days", "1 day", "12 hours": how far ahead the reminder is, in the active language."""
    if offset % timedelta(days=1) == timedelta(0):
        days = offset // timedelta(days=1)
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    hours = max(1, round(offset / timedelta(hours=1)))
    return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}


def _body(kind: str, moment: str, deadline: Deadline) -> str:
    subject = deadline.subject
    if kind == Kind.CLARIFICATION_DEADLINE:
        text = _("Reminder: %(moment)s is the last moment to ask a question about %(subject)s.")
    elif kind == Kind.SUBMISSION_DEADLINE:
        text = _("Reminder: %(moment)s is the last moment to submit a bid on %(subject)s.")
    elif kind == Kind.EVALUATION_DUE:
        text = _("Reminder: %(moment)s is the end of the evaluation of %(subject)s.")
    elif kind == Kind.STANDSTILL_END:
        text = _("Reminder: %(moment)s is the end of the standstill of %(subject)s.")
    else:
        return _("Reminder: %(moment)s is %(what)s of %(subject)s.") % {
            "moment": moment,
            "what": str(deadline.what).lower(),
            "subject": subject,
        }
    return text % {"moment": moment, "subject": subject}


def reminder_title(deadline: Deadline, offset: timedelta) -> str:
    """The reminder's title, in the active language (each recipient's: `services.reader_language`)."""
    return _("In %(offset)s: %(title)s") % {"offset": offset_text(offset), "title": deadline.title}


def reminder_body(deadline: Deadline) -> str:
    """The reminder's body, in the active language."""
    if deadline.day:
        moment = _("%(day)s (the whole day)") % {"day": l10n.when(deadline.day)}
    else:
        moment = _("%(moment)s (city time)") % {"moment": l10n.when(deadline.at, with_time=True)}
    return _body(deadline.kind, moment, deadline)


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
            made += len(
                notify(
                    recipients=User.objects.filter(pk__in=deadline.recipients),
                    kind=deadline.kind,
                    title=partial(reminder_title, deadline, offset),
                    body=partial(reminder_body, deadline),
                    url=deadline.url,
                    key=reminder_key(deadline.uid, deadline.at, offset),
                )
            )
    return made
