from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.structuring import Route
from civicpact.domain.tendering import (
    DEFAULT_MINIMUMS,
    Minimums,
    Procedure,
    Timeline,
    procedure_for_route,
    timeline_errors,
)

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def timeline(**days: float) -> Timeline:
    steps: dict[str, float] = {
        "publication": 0,
        "clarification_deadline": 25,
        "submission_deadline": 31,
        "opening": 31,
    }
    steps |= {"evaluation_end": 45, "standstill_end": 56}
    steps |= days
    return Timeline(**{name: START + timedelta(days=value) for name, value in steps.items()})


def test_every_route_has_a_procedure():
    assert {procedure_for_route(route) for route in Route} <= set(Procedure)
    assert procedure_for_route("pre_commercial") == Procedure.PCP
    assert procedure_for_route("unsolicited_proposal") == Procedure.SWISS_CHALLENGE
    assert procedure_for_route("sole_source") == Procedure.DIRECT


def test_a_sound_timeline_has_no_errors():
    assert timeline_errors(timeline(), Procedure.OPEN) == {}


def test_steps_out_of_order_name_the_later_step():
    errors = timeline_errors(timeline(opening=30), Procedure.OPEN)
    assert errors["opening"] == "The opening must come after the submission deadline"


def test_the_opening_may_coincide_with_the_deadline_but_nothing_else_may():
    assert "opening" not in timeline_errors(timeline(opening=31), Procedure.OPEN)
    assert "submission_deadline" in timeline_errors(timeline(submission_deadline=25, opening=31), Procedure.OPEN)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"clarification_deadline": 20, "submission_deadline": 29, "opening": 29}, "submission_deadline", "30 days"),
        ({"clarification_deadline": 28}, "clarification_deadline", "at least 5 days before"),
        ({"standstill_end": 50}, "standstill_end", "at least 10 days after"),
    ],
)
def test_durations_under_the_procedures_minimums_are_errors(change, field, words):
    assert words in timeline_errors(timeline(**change), Procedure.OPEN)[field]


def test_a_challenge_call_may_be_shorter_and_minimums_can_be_configured():
    short = timeline(clarification_deadline=15, submission_deadline=22, opening=22)
    assert timeline_errors(short, Procedure.CHALLENGE) == {}
    assert "submission_deadline" in timeline_errors(short, Procedure.OPEN)
    relaxed = {**DEFAULT_MINIMUMS, Procedure.OPEN: Minimums(14, 2, 5)}
    assert timeline_errors(short, Procedure.OPEN, relaxed) == {}


def test_naive_times_are_refused():
    naive = Timeline(**{name: START.replace(tzinfo=None) for name in Timeline.field_names()})
    assert all("time zone" in message for message in timeline_errors(naive, Procedure.OPEN).values())


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=6, max_size=6))
def test_any_timeline_in_order_with_generous_gaps_passes_and_a_swap_fails(days):
    steps = sorted(days)
    gaps = [0, 40, 50, 50, 60, 80]
    cumulative = [sum(gaps[: i + 1]) + steps[i] for i in range(6)]
    good = Timeline(*[START + timedelta(days=d) for d in cumulative])
    assert timeline_errors(good, Procedure.OPEN) == {}
    swapped = Timeline(*[START + timedelta(days=d) for d in [cumulative[1], cumulative[0], *cumulative[2:]]])
    assert "clarification_deadline" in timeline_errors(swapped, Procedure.OPEN)
