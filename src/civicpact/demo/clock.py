"""The demo seed's clock: the demo's history is seeded with the clock moved back, always forward in time.

The services stamp everything with `timezone.now()`, and a tender can be opened only after its submission
deadline, at least 30 days after its publication. So the stories whose deadlines have passed (demo/history.py)
are seeded with the clock moved into the past by `time_machine`, ticking from there.

The audit chain and the release store are in sequence order, and their times must never go backwards: an event
stamped earlier than the one before it would read as a forged history. So the seed runs forward from its start:
the organisations, people and needs at `HISTORY_DAYS` ago, then each story at its own dates (oldest first),
then the present-day parts at the real time. Each past moment is checked against the latest event of the audit
chain: on a database that already holds later events (seeded before without the history, or used since), the
organisations and people are created at the real time and the stories that cannot fit are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from civicpact.ledger.models import AuditEvent

HISTORY_DAYS = 240  # the seed of a new demo city starts this long ago (the first story: demo/harbour.py)


class HistoryOutOfOrder(RuntimeError):
    """A past moment is not after the latest event of the audit chain: a story's dates are out of order."""


def latest_event_time() -> datetime | None:
    return AuditEvent.objects.order_by("-seq").values_list("time", flat=True).first()


class DemoClock:
    """When each step of the seed happens: `setup()` for the organisations and people, `at()` for a story's
    moments, and nothing (the real time) for the rest."""

    def __init__(self, *, history: bool) -> None:
        self.today = timezone.now()
        self.history = history
        start = self.days_ago(HISTORY_DAYS)
        # where the next setup step starts in the past; None: the setup steps run at the real time
        self._cursor: datetime | None = start if history and self.free_at(start) else None

    def days_ago(self, days: float) -> datetime:
        return self.today - timedelta(days=days)

    def free_at(self, moment: datetime) -> bool:
        """Whether the seed may write at `moment`: it is past, and no event of the audit chain is later."""
        latest = latest_event_time()
        return moment < self.today and (latest is None or latest < moment)

    @contextmanager
    def setup(self) -> Iterator[None]:
        """A setup step: at the start of the history, each step after the one before; the real time without it."""
        if self._cursor is None:
            yield
            return
        with time_machine.travel(self._cursor, tick=True):
            yield
            self._cursor = timezone.now() + timedelta(milliseconds=1)

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        """Move the clock to `moment` (it ticks on from there). A story checks `free_at` for its first moment
        before it writes anything; a later moment that does not fit is a bug in the story's dates."""
        if not self.free_at(moment):
            raise HistoryOutOfOrder(f"{moment.isoformat()} is not after the latest audit event, or not past")
        with time_machine.travel(moment, tick=True):
            yield
