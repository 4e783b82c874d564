"""Deadline reminders: which reminder is due now, and the key that makes sending it idempotent.

Pure rules, no Django. A deadline has reminders at offsets before it (by default 7 days and 1 day). When the
periodic job runs, the reminder due is the closest one whose moment has come while the deadline is still ahead:
a job that did not run for a week sends the 1-day reminder, not both. The key names the deadline, its moment and
the offset, so a second run sends nothing new, and a deadline moved by an amendment is reminded again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

DEFAULT_OFFSETS = (timedelta(days=7), timedelta(days=1))


def due_offset(deadline: datetime, now: datetime, offsets: Iterable[timedelta] = DEFAULT_OFFSETS) -> timedelta | None:
    """The reminder to send at `now`: the smallest offset whose moment (deadline - offset) has come, while the
    deadline is still ahead; None when none is due (too early, or the deadline has passed)."""
    if deadline.tzinfo is None or now.tzinfo is None:
        raise ValueError("Deadlines and the current time must be aware datetimes.")
    if now >= deadline:
        return None
    come = [offset for offset in offsets if offset > timedelta(0) and now >= deadline - offset]
    return min(come) if come else None


def offset_label(offset: timedelta) -> str:
    """ "7 days", "1 day", "12 hours": how far ahead the reminder is."""
    if offset % timedelta(days=1) == timedelta(0):
        days = offset // timedelta(days=1)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(offset / timedelta(hours=1)))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def reminder_key(uid: str, deadline: datetime, offset: timedelta) -> str:
    """The idempotency key of one reminder of one deadline (at its current moment) for one offset."""
    seconds = int(offset.total_seconds())
    return f"reminder:{uid}:{deadline.isoformat()}:{seconds}"
