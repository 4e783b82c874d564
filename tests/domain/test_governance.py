from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.governance import (
    LADDER,
    BodySchedule,
    Cadence,
    DisputeStatus,
    ExitCategory,
    ExitItem,
    ExitItemStatus,
    LadderDays,
    Level,
    add_months,
    days_left,
    escalation_refusal,
    exit_progress,
    extension_refusal,
    is_overdue,
    level_deadline,
    meeting_refusal,
    nearing_end,
    next_level,
    next_meeting_due,
    overdue_bodies,
)

TODAY = date(2026, 12, 6)


def refusal(current, target, *, status=DisputeStatus.OPEN, deadline=TODAY - timedelta(days=1), failed=False):
    return escalation_refusal(
        status=status, current=current, target=target, deadline=deadline, today=TODAY, failed_to_agree=failed
    )


def test_the_ladder_goes_operational_steering_expert_arbitration():
    assert [next_level(level) for level in LADDER] == [Level.STEERING, Level.EXPERT, Level.ARBITRATION, None]


def test_each_level_has_its_own_deadline_from_the_day_it_was_reached():
    days = LadderDays(operational=10, steering_committee=20, expert_determination=40, arbitration=90)
    assert level_deadline(Level.OPERATIONAL, TODAY, days) == date(2026, 12, 16)
    assert level_deadline(Level.ARBITRATION, TODAY, days) == TODAY + timedelta(days=90)


def test_a_dispute_is_escalated_to_the_next_rung_once_the_deadline_has_passed():
    assert refusal(Level.OPERATIONAL, Level.STEERING) is None


def test_before_the_deadline_only_a_failure_to_agree_allows_escalation():
    assert "has until 2026-12-20" in refusal(Level.OPERATIONAL, Level.STEERING, deadline=date(2026, 12, 20))
    assert refusal(Level.OPERATIONAL, Level.STEERING, deadline=date(2026, 12, 20), failed=True) is None
    assert "has until" in refusal(Level.OPERATIONAL, Level.STEERING, deadline=TODAY)  # the deadline day is the level's


def test_a_rung_cannot_be_skipped():
    assert "cannot skip a rung" in refusal(Level.OPERATIONAL, Level.EXPERT)


def test_a_dispute_never_moves_down_or_stays():
    assert "only moves up" in refusal(Level.EXPERT, Level.STEERING)
    assert "only moves up" in refusal(Level.STEERING, Level.STEERING)


def test_nothing_lies_past_arbitration():
    assert "last rung" in refusal(Level.ARBITRATION, Level.ARBITRATION)


@pytest.mark.parametrize("status", [DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN])
def test_a_closed_dispute_cannot_be_escalated(status):
    assert f"A {status.value} dispute" in refusal(Level.OPERATIONAL, Level.STEERING, status=status)


def test_overdue_is_the_day_after_the_deadline_and_only_while_open():
    assert not is_overdue(TODAY, TODAY)
    assert is_overdue(TODAY - timedelta(days=1), TODAY)
    assert not is_overdue(TODAY - timedelta(days=1), TODAY, open_=False)
    assert not is_overdue(None, TODAY)


@given(
    current=st.sampled_from(LADDER),
    target=st.sampled_from(LADDER),
    failed=st.booleans(),
    offset=st.integers(-400, 400),
)
def test_an_allowed_escalation_is_always_exactly_one_rung_up(current, target, failed, offset):
    refused = escalation_refusal(
        status=DisputeStatus.OPEN,
        current=current,
        target=target,
        deadline=TODAY + timedelta(days=offset),
        today=TODAY,
        failed_to_agree=failed,
    )
    if refused is None:
        assert LADDER.index(target) == LADDER.index(current) + 1
        assert failed or offset < 0


@given(st.lists(st.sampled_from([Level.STEERING, Level.EXPERT, Level.ARBITRATION]), max_size=8))
def test_any_sequence_of_allowed_escalations_climbs_the_ladder_in_order(attempts):
    level, visited = Level.OPERATIONAL, [Level.OPERATIONAL]
    for target in attempts:
        ok = escalation_refusal(
            status=DisputeStatus.OPEN,
            current=level,
            target=target,
            deadline=TODAY,
            today=TODAY,
            failed_to_agree=True,
        )
        if ok is None:
            level = target
            visited.append(level)
    assert visited == list(LADDER[: len(visited)])


def test_months_are_added_to_the_end_of_a_shorter_month():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 120))
def test_adding_months_moves_forward_by_that_many_calendar_months(day, months):
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day <= day.day
    assert later >= day


def test_the_next_meeting_is_due_one_period_after_the_last_held_or_the_set_up():
    assert next_meeting_due(Cadence.QUARTERLY, date(2026, 1, 10), None) == date(2026, 4, 10)
    assert next_meeting_due(Cadence.MONTHLY, date(2026, 1, 10), date(2026, 11, 20)) == date(2026, 12, 20)


def test_bodies_whose_meeting_was_due_before_today_are_overdue():
    bodies = [
        BodySchedule(1, Cadence.MONTHLY, date(2026, 1, 1), date(2026, 11, 5)),  # due 5 Dec: overdue
        BodySchedule(2, Cadence.MONTHLY, date(2026, 1, 1), date(2026, 11, 6)),  # due today: not yet
        BodySchedule(3, Cadence.YEARLY, date(2026, 6, 1), None),
    ]
    assert overdue_bodies(bodies, TODAY) == (1,)


@given(st.sampled_from(list(Cadence)), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)))
def test_a_body_that_just_met_is_never_overdue(cadence, held):
    assert overdue_bodies([BodySchedule(7, cadence, date(2019, 1, 1), held)], held) == ()


def test_a_meeting_in_the_future_cannot_be_marked_held():
    assert "future" in str(meeting_refusal(held=True, on=TODAY + timedelta(days=1), today=TODAY))
    assert meeting_refusal(held=False, on=TODAY + timedelta(days=1), today=TODAY) is None
    assert meeting_refusal(held=True, on=TODAY, today=TODAY) is None


def test_days_left_and_nearing_the_end():
    assert days_left(date(2026, 12, 31), TODAY) == 25
    assert nearing_end(date(2027, 6, 1), TODAY)
    assert not nearing_end(date(2034, 3, 31), TODAY)
    assert not nearing_end(date(2026, 1, 1), TODAY)


def test_an_extension_must_end_after_the_current_end():
    assert "after the current end" in str(extension_refusal(current_end=TODAY, new_end=TODAY))
    assert extension_refusal(current_end=TODAY, new_end=TODAY + timedelta(days=1)) is None


def item(category, status, due=TODAY):
    return ExitItem(ExitCategory(category), ExitItemStatus(status), due)


def test_an_exit_plan_is_complete_once_the_city_accepts_every_item():
    items = [item("data", "accepted"), item("staff", "submitted", TODAY - timedelta(days=1))]
    progress = exit_progress(items, TODAY)
    assert (progress.total, progress.accepted, progress.overdue, progress.complete) == (2, 1, 1, False)
    assert ExitCategory.KNOWLEDGE in progress.missing_categories
    assert exit_progress([item("data", "accepted")], TODAY).complete
    assert not exit_progress([], TODAY).complete


@given(st.lists(st.tuples(st.sampled_from(list(ExitCategory)), st.sampled_from(list(ExitItemStatus))), max_size=12))
def test_an_exit_plan_is_complete_exactly_when_nothing_is_left_to_accept(rows):
    progress = exit_progress([item(c, s) for c, s in rows], TODAY)
    assert progress.complete == (bool(rows) and all(s is ExitItemStatus.ACCEPTED for _, s in rows))
    assert set(progress.missing_categories) == set(ExitCategory) - {c for c, _ in rows}


def test_a_completed_exit_plan_is_published_as_a_handover_document():
    from datetime import UTC, datetime

    from civicpact.domain.governance import handover_sections

    when = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    sections = handover_sections(
        contract_id="contract-7",
        award_id="award-direct-7",
        completed=when,
        items=[(ExitCategory.DATA, "Return the data", when)],
    )
    contract = sections["contracts"][0]
    assert (contract["id"], contract["awardID"]) == ("contract-7", "award-direct-7")
    document = contract["implementation"]["documents"][0]
    assert (document["documentType"], document["datePublished"]) == ("handover", "2026-12-06T10:00:00.000Z")
    assert document["description"] == "Data returned in open formats: Return the data (accepted 2026-12-06)"
