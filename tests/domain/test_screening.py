from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.screening import (
    PPP_THRESHOLD,
    WEIGHTS,
    Outcome,
    ScreeningAnswers,
    ScreeningInputError,
    ppp_score,
    screen,
)

STRONG = ScreeningAnswers(
    public_need_clear=4,
    private_interest=3,
    value_over_traditional=4,
    scope_defined=3,
    expertise_gap=3,
    capital_constraint=4,
    innovation_speed=3,
    risk_transfer=3,
    operational_efficiency=3,
    commodity_need=False,
    lifecycle_years=10,
)


def test_a_strong_case_is_worth_pursuing_as_a_ppp_with_its_drivers():
    result = screen(STRONG)
    assert result.outcome == Outcome.PPP_WORTH_PURSUING
    assert result.drivers[0].key == "value_over_traditional"
    assert all(d.effect == "for_ppp" for d in result.drivers)


def test_an_unclear_need_is_not_ready_and_says_so():
    result = screen(replace(STRONG, public_need_clear=1))
    assert result.outcome == Outcome.NOT_READY
    assert [d.key for d in result.drivers] == ["public_need_clear"]


def test_an_undefined_scope_is_not_ready():
    assert screen(replace(STRONG, scope_defined=0)).outcome == Outcome.NOT_READY


def test_no_market_interest_means_sound_the_market_first():
    result = screen(replace(STRONG, private_interest=0))
    assert result.outcome == Outcome.NOT_READY
    assert "sound the market" in result.drivers[0].explanation


def test_an_off_the_shelf_commodity_goes_to_traditional_procurement():
    result = screen(replace(STRONG, commodity_need=True, expertise_gap=0, innovation_speed=1))
    assert result.outcome == Outcome.TRADITIONAL_BETTER
    assert result.drivers[0].key == "commodity_need"


def test_a_commodity_with_an_expertise_gap_is_still_scored():
    assert screen(replace(STRONG, commodity_need=True, expertise_gap=3)).outcome == Outcome.PPP_WORTH_PURSUING


def test_a_two_year_partnership_is_too_short():
    result = screen(replace(STRONG, lifecycle_years=2))
    assert result.outcome == Outcome.TRADITIONAL_BETTER
    assert result.drivers[0].key == "lifecycle_years"


def test_weak_drivers_lead_to_traditional_procurement():
    weak = replace(
        STRONG,
        value_over_traditional=1,
        expertise_gap=1,
        capital_constraint=1,
        innovation_speed=1,
        risk_transfer=2,
        operational_efficiency=2,
        private_interest=2,
    )
    result = screen(weak)
    assert result.outcome == Outcome.TRADITIONAL_BETTER
    assert {d.effect for d in result.drivers} == {"against_ppp"}


def test_the_threshold_is_55():
    # 3*v + 2*(e+c+i+r+o) + p over 56 points; 31/56 -> 55 (PPP), 30/56 -> 54 (traditional)
    base = replace(
        STRONG,
        value_over_traditional=3,
        expertise_gap=2,
        capital_constraint=2,
        innovation_speed=2,
        risk_transfer=2,
        operational_efficiency=2,
        private_interest=2,
    )
    assert ppp_score(base) == round(100 * 31 / 56) == 55
    assert screen(base).outcome == Outcome.PPP_WORTH_PURSUING
    lower = replace(base, private_interest=1)
    assert ppp_score(lower) == 54
    assert screen(lower).outcome == Outcome.TRADITIONAL_BETTER
    assert PPP_THRESHOLD == 55


scale = st.integers(0, 4)
answers = st.builds(
    ScreeningAnswers,
    public_need_clear=scale,
    private_interest=scale,
    value_over_traditional=scale,
    scope_defined=scale,
    expertise_gap=scale,
    capital_constraint=scale,
    innovation_speed=scale,
    risk_transfer=scale,
    operational_efficiency=scale,
    commodity_need=st.booleans(),
    lifecycle_years=st.integers(1, 40),
)


@given(answers)
def test_screening_never_fails_and_the_score_stays_in_range(a):
    result = screen(a)
    assert 0 <= result.ppp_score <= 100
    assert result.as_dict()["label"]


@given(answers, st.sampled_from(sorted(WEIGHTS)))
def test_raising_a_ppp_driver_never_lowers_the_score(a, key):
    if getattr(a, key) < 4:
        assert ppp_score(replace(a, **{key: getattr(a, key) + 1})) >= ppp_score(a)


@given(answers)
def test_an_undefined_scope_is_always_not_ready(a):
    if a.scope_defined < 2:
        assert screen(a).outcome == Outcome.NOT_READY


VALID = STRONG.as_dict()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"private_interest": 5}, "private_interest", "from 0 to 4"),
        ({"private_interest": "high"}, "private_interest", "whole number"),
        ({"commodity_need": "no"}, "commodity_need", "true or false"),
        ({"lifecycle_years": 0}, "lifecycle_years", "from 1 to 40"),
        ({"colour": "blue"}, "colour", "not a screening question"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(change, field, message):
    with pytest.raises(ScreeningInputError, match=message) as caught:
        ScreeningAnswers.from_mapping({**VALID, **change})
    assert caught.value.field == field


def test_a_missing_answer_is_refused():
    data = dict(VALID)
    del data["scope_defined"]
    with pytest.raises(ScreeningInputError, match="scope_defined is missing"):
        ScreeningAnswers.from_mapping(data)
