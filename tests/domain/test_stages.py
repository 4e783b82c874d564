"""Procedure stages, down-selection and the Swiss challenge (bonus and right to match)."""

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from civicpact.domain.evaluation import (
    BidInput,
    Criterion,
    EvaluationInputError,
    Scheme,
    down_select,
    rank,
    swiss_outcome,
)
from civicpact.domain.tendering import (
    AWARDING_STAGES,
    LOCKED_STAGES,
    STAGE_PLAN,
    Procedure,
    Stage,
    ends_in_award,
    next_stages,
    stage_errors,
)
from tests.domain.test_evaluation import XYZ, by_bidder, quality_price, tenders


def test_every_procedure_opens_with_a_stage_and_every_path_ends_in_an_award_or_a_last_phase():
    for procedure, plan in STAGE_PLAN.items():
        assert next_stages(procedure, None), procedure
        for after, following in plan.items():
            if after is not None:
                assert not ends_in_award(after), f"{procedure}: nothing follows an award"
            assert following
    # the PCP's last phase ends the procedure without an award: the suppliers kept have finished their tests
    assert next_stages(Procedure.PCP, Stage.TEST_SERIES) == ()
    assert LOCKED_STAGES <= AWARDING_STAGES


def test_a_restricted_procedure_is_a_prequalification_then_invited_bids():
    assert next_stages(Procedure.RESTRICTED, None) == (Stage.PREQUALIFICATION,)
    assert next_stages(Procedure.RESTRICTED, Stage.PREQUALIFICATION) == (Stage.INVITED,)
    assert stage_errors(Procedure.RESTRICTED, Stage.PREQUALIFICATION, None, keep=3) == {}
    assert stage_errors(Procedure.RESTRICTED, Stage.INVITED, Stage.PREQUALIFICATION, keep=None) == {}


def test_a_dialogue_repeats_rounds_and_ends_with_the_final_offer():
    assert next_stages(Procedure.DIALOGUE, Stage.DIALOGUE_ROUND) == (Stage.DIALOGUE_ROUND, Stage.FINAL_OFFER)
    assert next_stages(Procedure.DIALOGUE, Stage.FINAL_OFFER) == ()


@pytest.mark.parametrize(
    ("procedure", "stage", "after", "keep", "field", "words"),
    [
        (
            Procedure.OPEN,
            Stage.PREQUALIFICATION,
            None,
            3,
            "stage",
            "Open tender opens with a single stage, not pre-qualification",
        ),
        (
            Procedure.RESTRICTED,
            Stage.FINAL_OFFER,
            Stage.PREQUALIFICATION,
            None,
            "stage",
            "pre-qualification is followed by invited bids, not the best and final offer",
        ),
        (Procedure.PCP, Stage.PROTOTYPE, Stage.TEST_SERIES, 2, "stage", "no stage follows the test series"),
        (Procedure.PCP, Stage.SOLUTION_DESIGN, None, None, "keep", "how many suppliers"),
        (Procedure.PCP, Stage.SOLUTION_DESIGN, None, 0, "keep", "at least 1"),
        (Procedure.OPEN, Stage.SINGLE, None, 2, "keep", "leave the number of suppliers to keep empty"),
    ],
)
def test_a_stage_out_of_place_or_without_its_keep_is_refused(procedure, stage, after, keep, field, words):
    errors = stage_errors(procedure, stage, after, keep)
    assert words in errors[field]


# Swiss challenge: hand-worked from the 60/40 case (Z 81.333, X 77.091, Y 70 under lowest_relative)


def test_a_bonus_of_12_points_lifts_the_proponent_past_the_best_offer_and_11_does_not():
    scheme = quality_price("lowest_relative")
    with_12 = rank(scheme, [replace(b, bonus=12.0) if b.bidder == "Y" else b for b in XYZ])
    assert by_bidder(with_12)["Y"].total == pytest.approx(82.0)
    assert by_bidder(with_12)["Y"].bonus == 12.0
    assert with_12.winner == "Y"
    with_11 = rank(scheme, [replace(b, bonus=11.0) if b.bidder == "Y" else b for b in XYZ])
    assert by_bidder(with_11)["Y"].total == pytest.approx(81.0)
    assert with_11.winner == "Z"


def test_a_disqualified_proponent_gets_no_bonus_and_no_right_to_match():
    scheme = quality_price("lowest_relative")
    bids = [replace(b, bonus=30.0, eligible=False) if b.bidder == "Y" else b for b in XYZ]
    ranking = rank(scheme, bids)
    assert by_bidder(ranking)["Y"].bonus == 0.0
    assert ranking.winner == "Z"
    outcome = swiss_outcome(ranking, "Y")
    assert (outcome.may_match, outcome.best_competitor, outcome.winner_if_not_matched) == (False, "Z", "Z")


def test_a_proponent_ranked_second_may_match_the_best_competing_offer():
    outcome = swiss_outcome(rank(quality_price(), XYZ), "X")
    assert outcome.may_match
    assert not outcome.proponent_ranked_first
    assert (outcome.best_competitor, outcome.winner_if_not_matched) == ("Z", "Z")


def test_a_proponent_ranked_first_wins_without_matching():
    outcome = swiss_outcome(rank(quality_price(), XYZ), "Z")
    assert outcome.proponent_ranked_first
    assert not outcome.may_match
    assert outcome.best_competitor == "X"


@pytest.mark.parametrize("bonus", [-1.0, 101.0, float("nan")])
def test_a_bonus_outside_0_to_100_is_refused(bonus):
    with pytest.raises(EvaluationInputError) as caught:
        rank(quality_price(), [replace(XYZ[0], bonus=bonus), XYZ[1]])
    assert caught.value.field == "bids[0].bonus"


def test_a_bonus_under_price_per_quality_point_is_refused():
    with pytest.raises(EvaluationInputError, match="use lowest_relative or linear"):
        rank(quality_price("price_per_quality_point"), [replace(XYZ[0], bonus=5.0), XYZ[1]])


def test_down_selection_keeps_the_first_ranked_and_never_a_disqualified_bid():
    scheme = Scheme((Criterion("plan", "Quality of the plan", 100, threshold=4),))
    bids = [
        BidInput("A", None, {"plan": 9}),
        BidInput("B", None, {"plan": 3}),  # below the threshold
        BidInput("C", None, {"plan": 7}),
        BidInput("D", None, {"plan": 8}),
    ]
    ranking = rank(scheme, bids)
    assert down_select(ranking, 2) == ("A", "D")
    assert down_select(ranking, 10) == ("A", "D", "C")
    with pytest.raises(EvaluationInputError, match="keep at least 1"):
        down_select(ranking, 0)


@given(tenders(formulas=("lowest_relative", "linear")), st.integers(0, 5), st.floats(0, 100))
def test_a_bonus_adds_exactly_its_points_to_a_qualified_bid(tender, who, bonus):
    scheme, bids = tender
    assume(who < len(bids))
    plain = rank(scheme, bids)
    boosted = rank(scheme, [replace(b, bonus=bonus) if i == who else b for i, b in enumerate(bids)])
    name = bids[who].bidder
    before, after = by_bidder(plain)[name], by_bidder(boosted)[name]
    expected = 0.0 if before.rank is None else bonus
    assert after.total == pytest.approx(before.total + expected)
    if plain.winner == name:
        assert boosted.winner == name  # a bonus never costs the winner its place


@given(tenders(formulas=("lowest_relative", "linear")), st.floats(0, 40))
def test_the_sensitivity_with_a_bonus_names_a_weight_at_which_another_bid_really_wins(tender, bonus):
    scheme, bids = tender
    bids = [replace(bids[0], bonus=bonus), *bids[1:]]
    ranking = rank(scheme, bids)
    assume(ranking.winner is not None)
    for s in ranking.sensitivity:
        if s.weight_to_change_winner is None:
            continue
        current = next(c.weight for c in scheme.criteria if c.key == s.criterion)
        scale = (100 - s.weight_to_change_winner) / (100 - current)
        moved = replace(
            scheme,
            criteria=tuple(
                replace(c, weight=s.weight_to_change_winner if c.key == s.criterion else c.weight * scale)
                for c in scheme.criteria
            ),
        )
        assert rank(moved, bids).winner == s.new_winner != ranking.winner
