"""Deadline reminders: the due reminder is the closest one whose moment has come while the deadline is ahead, and
its key changes with the deadline's moment and the offset (so a moved deadline is reminded again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.reminders import DEFAULT_OFFSETS, due_offset, offset_label, reminder_key

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))
offsets = st.lists(st.integers(min_value=1, max_value=24 * 30).map(lambda h: timedelta(hours=h)), min_size=1)
gaps = st.integers(min_value=-24 * 40 * 60, max_value=24 * 40 * 60).map(lambda m: timedelta(minutes=m))


@given(deadline=moments, gap=gaps, chosen=offsets)
def test_the_due_reminder_has_come_and_no_closer_one_has(deadline, gap, chosen):
    now = deadline - gap
    due = due_offset(deadline, now, chosen)
    if now >= deadline:
        assert due is None
    elif due is None:
        assert all(now < deadline - offset for offset in chosen)
    else:
        assert due in chosen
        assert now >= deadline - due
        assert not any(offset < due and now >= deadline - offset for offset in chosen)


def test_a_job_that_missed_the_week_sends_only_the_day_before_reminder():
    deadline = datetime(2026, 6, 15, 17, tzinfo=UTC)
    assert due_offset(deadline, deadline - timedelta(days=8)) is None
    assert due_offset(deadline, deadline - timedelta(days=6)) == timedelta(days=7)
    assert due_offset(deadline, deadline - timedelta(hours=3)) == timedelta(days=1)
    assert due_offset(deadline, deadline) is None
    assert (timedelta(days=7), timedelta(days=1)) == DEFAULT_OFFSETS


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        due_offset(datetime(2026, 6, 15), datetime(2026, 6, 14, tzinfo=UTC))


@given(deadline=moments, other=moments)
def test_keys_differ_by_deadline_moment_and_offset(deadline, other):
    day, week = timedelta(days=1), timedelta(days=7)
    assert reminder_key("tender-1-submission", deadline, day) != reminder_key("tender-1-submission", deadline, week)
    if other != deadline:
        assert reminder_key("tender-1-submission", deadline, day) != reminder_key("tender-1-submission", other, day)


def test_offsets_read_as_days_or_hours():
    assert offset_label(timedelta(days=7)) == "7 days"
    assert offset_label(timedelta(days=1)) == "1 day"
    assert offset_label(timedelta(hours=12)) == "12 hours"
