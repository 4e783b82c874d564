import math
import re
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from civicpact.domain.evaluation import (
    PRICE_FORMULAS,
    BidInput,
    Criterion,
    EvaluationInputError,
    Ranking,
    Scheme,
    abnormally_low,
    divergence,
    rank,
    score_from_evaluators,
    tender_from_mapping,
)


def points_scheme() -> Scheme:
    """The e-tendering help page's points (experience 60, QA 40, time 30, price 70 of 200) as weights of 100."""
    return Scheme.from_mapping(
        {
            "criteria": [
                {"key": "experience", "name": "Experience", "weight": 30, "max_score": 60},
                {"key": "qa", "name": "Quality assurance", "weight": 20, "max_score": 40},
                {"key": "time", "name": "Time", "weight": 15, "max_score": 30},
                {"key": "price", "name": "Price", "weight": 35, "is_price": True},
            ]
        }
    )


POINTS_BIDS = [
    BidInput("A", 10_000, {"experience": 40, "qa": 30, "time": 20}),
    BidInput("B", 8_000, {"experience": 32, "qa": 20, "time": 22}),
]


def quality_price(formula: str = "lowest_relative", threshold: float | None = None) -> Scheme:
    return Scheme(
        (
            Criterion("quality", "Quality", 60, threshold=threshold),
            Criterion("price", "Price", 40, is_price=True),
        ),
        price_formula=formula,
    )


# Z: the best and dearest; X: good and mid-priced; Y: the cheapest and weakest
XYZ = [
    BidInput("X", 110_000, {"quality": 8}),
    BidInput("Y", 80_000, {"quality": 5}),
    BidInput("Z", 150_000, {"quality": 10}),
]


def by_bidder(ranking: Ranking) -> dict[str, Any]:
    return {r.bidder: r for r in ranking.results}


def ranked(ranking: Ranking) -> list[str]:
    return [r.bidder for r in ranking.results if r.rank is not None]


# 1. Points-based scoring where the cheaper bid loses


def test_the_cheaper_bid_loses_the_points_based_case_from_the_e_tendering_page():
    ranking = rank(points_scheme(), POINTS_BIDS)
    a, b = by_bidder(ranking)["A"], by_bidder(ranking)["B"]
    # A: 30*40/60 + 20*30/40 + 15*20/30 = 20 + 15 + 10 = 45; price 35 * 8000/10000 = 28 -> 73 (146 of 200)
    assert a.quality_points == pytest.approx(45)
    assert a.price_points == pytest.approx(28)
    assert a.total == pytest.approx(73.0)
    assert a.total * 2 == pytest.approx(146)
    # B: 16 + 10 + 11 = 37; price 35 (the lowest) -> 72 (144 of 200)
    assert b.total == pytest.approx(72.0)
    assert b.total * 2 == pytest.approx(144)
    assert ranking.winner == "A"
    assert (a.rank, b.rank) == (1, 2)
    assert a.points_by_criterion == pytest.approx({"experience": 20, "qa": 15, "time": 10, "price": 28})
    assert ranking.tie_resolved_by is None


# 2-3. One set of bids under the three price formulas


def test_a_60_40_quality_price_case_under_lowest_relative_rewards_the_best_quality():
    ranking = rank(quality_price("lowest_relative"), XYZ)
    totals = {r.bidder: r.total for r in ranking.results}
    # by hand: Z earns 60 + 40 x 80/150 = 81.333, X 48 + 40 x 80/110 = 77.091, Y 30 + 40 = 70
    assert totals == pytest.approx({"Z": 60 + 64 / 3, "X": 48 + 320 / 11, "Y": 70.0})
    assert ranked(ranking) == ["Z", "X", "Y"]
    assert ranking.winner == "Z"


def test_the_linear_formula_gives_the_dearest_bid_no_price_points_and_changes_the_winner():
    ranking = rank(quality_price("linear"), XYZ)
    totals = {r.bidder: r.total for r in ranking.results}
    # range 80k..150k: Z 60 + 0 = 60; X 48 + 40*40/70 = 70.857; Y 30 + 40 = 70
    assert totals == pytest.approx({"Z": 60.0, "X": 48 + 160 / 7, "Y": 70.0})
    assert ranked(ranking) == ["X", "Y", "Z"]


def test_price_per_quality_point_ranks_by_ratio_even_against_a_higher_total():
    ranking = rank(quality_price("price_per_quality_point"), XYZ)
    results = by_bidder(ranking)
    # ratios: X 110000/48 = 2291.67, Z 150000/60 = 2500, Y 80000/30 = 2666.67
    assert results["X"].price_per_quality_point == pytest.approx(110_000 / 48)
    assert ranked(ranking) == ["X", "Z", "Y"]
    # totals: quality + 40 x lowest ratio / own ratio: X 88, Z 60 + 36.667, Y 30 + 34.375
    assert results["X"].total == pytest.approx(88.0)
    assert results["Z"].total == pytest.approx(60 + 40 * (110_000 / 48) / 2500)
    assert results["Y"].total == pytest.approx(64.375)
    assert results["Z"].total > results["X"].total  # the winner is the best value, not the highest total
    assert ranking.tie_break.startswith("Equal prices per quality point")


def test_a_single_qualified_bid_gets_full_price_points_under_every_formula():
    for formula in PRICE_FORMULAS:
        result = rank(quality_price(formula), [BidInput("solo", 500, {"quality": 5})]).results[0]
        assert result.price_points == pytest.approx(40)
        assert result.total == pytest.approx(70)


def test_the_linear_formula_gives_full_points_when_all_prices_are_equal():
    ranking = rank(quality_price("linear"), [BidInput("a", 100, {"quality": 4}), BidInput("b", 100, {"quality": 6})])
    assert [r.price_points for r in ranking.results] == pytest.approx([40, 40])


# 4. Abnormally low bids, Ukraine's thresholds


def test_a_bid_half_the_mean_of_the_others_is_flagged_first_for_the_mean():
    flags = abnormally_low({"winner": 100, "b": 200, "c": 200}, next_gap=0.30, mean_gap=0.40)
    assert flags["winner"][0] == "50% below the mean of the other bids (200)"
    assert flags["winner"][1] == "50% below the next higher price (200)"  # both reasons apply
    assert set(flags) == {"winner"}


def test_a_bid_a_third_below_the_next_is_flagged_for_the_next_only():
    flags = abnormally_low({"winner": 100, "next": 150}, next_gap=0.30, mean_gap=0.40)
    assert flags == {"winner": ("33.3% below the next higher price (150)",)}


def test_ordinary_price_spreads_are_not_flagged():
    # 100 against 120 and 130: 20% below the mean of 125, 16.7% below the next
    assert abnormally_low({"a": 100, "b": 120, "c": 130}, next_gap=0.30, mean_gap=0.40) == {}
    # just short of both thresholds: 71 is 29% below 100 and 39.3% below the mean of 100 and 134
    assert abnormally_low({"a": 71, "b": 100, "c": 134}, next_gap=0.30, mean_gap=0.40) == {}


def test_an_equal_rival_price_is_the_next_price_so_a_matched_low_bid_is_not_flagged_for_the_gap():
    assert abnormally_low({"a": 100, "b": 100, "c": 140}, next_gap=0.30, mean_gap=0.40) == {}


def test_ranking_flags_abnormally_low_bids_among_the_qualified_only_and_keeps_their_rank():
    scheme = quality_price(threshold=5)
    bids = [
        BidInput("low", 100, {"quality": 6}),
        BidInput("fair", 200, {"quality": 6}),
        BidInput("also fair", 200, {"quality": 6}),
        BidInput("weak and cheaper", 50, {"quality": 2}),  # disqualified: its price is not compared
    ]
    results = by_bidder(rank(scheme, bids))
    assert results["low"].abnormally_low[0] == "50% below the mean of the other bids (200)"
    assert results["low"].rank == 1  # a flag asks for an explanation; it does not move the bid
    assert results["weak and cheaper"].abnormally_low == ()
    assert results["fair"].abnormally_low == ()


# 5. Thresholds and eligibility


def test_a_score_below_a_threshold_disqualifies_and_its_price_is_not_compared():
    ranking = rank(quality_price("lowest_relative", threshold=6), XYZ)
    results = by_bidder(ranking)
    assert results["Y"].rank is None
    assert results["Y"].disqualified == ("below threshold on Quality: 5 < 6",)
    assert results["Y"].price_points == 0
    assert results["Y"].total == pytest.approx(30)
    # the lowest qualified price is now X's 110k: X 48 + 40 = 88, Z 60 + 40*110/150 = 89.333
    assert results["X"].total == pytest.approx(88)
    assert results["Z"].total == pytest.approx(60 + 40 * 110 / 150)
    assert [r.bidder for r in ranking.results] == ["Z", "X", "Y"]  # ranked first, then disqualified


def test_a_score_exactly_at_the_threshold_passes():
    assert rank(quality_price(threshold=5), XYZ).results[-1].rank == 3


def test_a_bid_that_is_not_eligible_is_disqualified_and_needs_no_price_or_scores():
    bids = [*XYZ, BidInput("late", None, {}, eligible=False)]
    results = by_bidder(rank(quality_price(), bids))
    assert results["late"].disqualified == ("not eligible",)
    assert results["late"].rank is None
    assert results["late"].total == 0


def test_a_bid_both_ineligible_and_below_a_threshold_gives_both_reasons():
    bids = [XYZ[0], BidInput("w", 90_000, {"quality": 3}, eligible=False)]
    result = by_bidder(rank(quality_price(threshold=5), bids))["w"]
    assert result.disqualified == ("not eligible", "below threshold on Quality: 3 < 5")


def test_a_parent_threshold_applies_to_the_weighted_mean_of_its_children():
    scheme = Scheme(
        (
            Criterion(
                "technical",
                "Technical merit",
                70,
                max_score=100,
                threshold=60,
                children=(Criterion("design", "Design", 75), Criterion("support", "Support", 25, max_score=5)),
            ),
            Criterion("price", "Price", 30, is_price=True),
        )
    )
    # design 6/10 and support 5/5: 100 x (0.75 x 0.6 + 0.25 x 1) = 70 -> passes
    # design 5/10 and support 3/5: 100 x (0.75 x 0.5 + 0.25 x 0.6) = 52.5 -> below 60
    bids = [BidInput("pass", 100, {"design": 6, "support": 5}), BidInput("fail", 90, {"design": 5, "support": 3})]
    results = by_bidder(rank(scheme, bids))
    assert results["pass"].rank == 1
    assert results["fail"].disqualified == ("below threshold on Technical merit: 52.5 < 60",)


def test_when_every_bid_is_disqualified_there_is_no_winner_and_no_sensitivity():
    ranking = rank(quality_price(threshold=9.5), XYZ[:2])
    assert ranking.winner is None
    assert all(r.rank is None for r in ranking.results)
    assert ranking.sensitivity == ()


# 6. Tie-breaks, in the documented order


def test_equal_totals_go_to_the_higher_quality_points():
    # by hand: good earns 48 + 40 x 84/120 = 76, cheap 36 + 40 = 76
    bids = [BidInput("cheap", 84_000, {"quality": 6}), BidInput("good", 120_000, {"quality": 8})]
    ranking = rank(quality_price(), bids)
    assert [r.total for r in ranking.results] == pytest.approx([76, 76])
    assert ranking.winner == "good"
    assert ranking.tie_resolved_by == "higher quality points"


def test_equal_totals_and_quality_go_to_the_lower_price():
    # a quality-only award (fixed budget): the price is recorded but earns no points
    scheme = Scheme((Criterion("quality", "Quality", 100),))
    bids = [BidInput("dear", 120, {"quality": 7}), BidInput("cheap", 100, {"quality": 7})]
    ranking = rank(scheme, bids)
    assert ranking.winner == "cheap"
    assert ranking.tie_resolved_by == "lower price"


def test_then_the_earlier_submission_then_the_place_in_the_list():
    scheme = quality_price()
    later, earlier = BidInput("later", 100, {"quality": 7}, order=2), BidInput("earlier", 100, {"quality": 7}, order=1)
    ranking = rank(scheme, [later, earlier])
    assert ranked(ranking) == ["earlier", "later"]
    assert ranking.tie_resolved_by == "earlier submission"
    same = rank(scheme, [replace(earlier, bidder="first"), replace(earlier, bidder="second")])
    assert ranked(same) == ["first", "second"]
    assert same.tie_resolved_by == "earlier place in the list"
    assert "higher quality points, then the lower price, then the earlier submission" in same.tie_break


def test_a_clear_winner_needs_no_tie_break():
    assert rank(quality_price(), XYZ).tie_resolved_by is None


# 7. A nested tree of criteria


NESTED = {
    "criteria": [
        {
            "key": "quality",
            "name": "Quality",
            "weight": 70,
            "children": [
                {
                    "key": "technical",
                    "name": "Technical",
                    "weight": 60,
                    "children": [
                        {"key": "approach", "name": "Approach", "weight": 50},
                        {"key": "method", "name": "Method", "weight": 50, "max_score": 5},
                    ],
                },
                {"key": "team", "name": "Team", "weight": 40},
            ],
        },
        {"key": "price", "name": "Price", "weight": 30, "is_price": True},
    ]
}


def test_a_nested_trees_effective_weights_are_the_products_down_the_tree():
    scheme = Scheme.from_mapping(NESTED)
    weights = {c.key: w for c, w in scheme.leaves()}
    # approach, method: 70 x 60% x 50% = 21; team: 70 x 40% = 28; price 30
    assert weights == pytest.approx({"approach": 21, "method": 21, "team": 28, "price": 30})
    assert sum(weights.values()) == pytest.approx(100)
    assert scheme.price_weight == 30


def test_a_parents_points_are_the_sum_of_its_childrens():
    scheme = Scheme.from_mapping(NESTED)
    bid = BidInput("a", 10, {"approach": 8, "method": 2, "team": 5})
    points = rank(scheme, [bid]).results[0].points_by_criterion
    # approach 21 x 0.8 = 16.8; method 21 x 2/5 = 8.4; team 28 x 0.5 = 14; price 30
    assert points == pytest.approx(
        {"quality": 39.2, "technical": 25.2, "approach": 16.8, "method": 8.4, "team": 14, "price": 30}
    )
    assert list(points) == ["quality", "technical", "approach", "method", "team", "price"]


# 8. Sensitivity of the winner to the weights


def test_raising_the_price_weight_past_the_hand_worked_crossing_swaps_the_winner():
    # quality 60 / price 40. A: quality 9, price 100; B: quality 6, price 80 (the lowest).
    # With price at w: A = 0.9(100 - w) + 0.8w = 90 - 0.1w; B = 0.6(100 - w) + w = 60 + 0.4w; equal at w = 60
    # (84 each: A keeps the tie on quality), so B first wins at 60.1; quality, its mirror, at 39.9.
    bids = [BidInput("A", 100, {"quality": 9}), BidInput("B", 80, {"quality": 6})]
    ranking = rank(quality_price(), bids)
    assert ranking.winner == "A"
    quality, price = ranking.sensitivity
    assert (price.criterion, price.current_weight, price.weight_to_change_winner, price.new_winner) == (
        "price",
        40,
        60.1,
        "B",
    )
    assert (quality.weight_to_change_winner, quality.new_winner) == (39.9, "B")
    at_tie = rank(reweighted(quality_price(), "price", 60), bids)
    assert at_tie.winner == "A"
    assert at_tie.tie_resolved_by == "higher quality points"
    assert rank(reweighted(quality_price(), "price", 60.1), bids).winner == "B"


def test_the_points_case_is_three_points_of_price_weight_from_the_cheaper_bid():
    # price at w, the 65 points of quality scaled by (100 - w) / 65: B - A = 0.2w - 8(100 - w)/65 > 0 when
    # w > 800/21 = 38.095; experience at w: 300 - 12.33w > 0 when w < 24.32
    sensitivity = {s.criterion: s for s in rank(points_scheme(), POINTS_BIDS).sensitivity}
    assert sensitivity["price"].weight_to_change_winner == 38.1
    assert sensitivity["experience"].weight_to_change_winner == 24.3
    assert sensitivity["qa"].weight_to_change_winner == 16.6  # 5 - 0.3w > 0 when w < 16.67
    assert sensitivity["time"].weight_to_change_winner == 26.1  # 7.67w > 200 when w > 26.09
    assert {s.new_winner for s in sensitivity.values()} == {"B"}


def test_a_bid_that_is_better_and_cheaper_cannot_lose_at_any_weight():
    bids = [BidInput("best", 80, {"quality": 9}), BidInput("worse", 100, {"quality": 6})]
    for s in rank(quality_price(), bids).sensitivity:
        assert s.weight_to_change_winner is None
        assert s.new_winner is None


# Consensus and moderation


def test_the_default_consensus_is_the_mean_of_the_evaluators_scores():
    consensus = score_from_evaluators([{"a": 6, "b": 3}, {"a": 8, "b": 4}, {"a": 7, "b": 8}])
    assert consensus == pytest.approx({"a": 7, "b": 5})


def test_divergence_is_the_spread_of_the_scores_as_a_share_of_the_scale():
    scheme = Scheme.from_mapping(NESTED)
    spread = divergence([{"approach": 2, "method": 1}, {"approach": 9, "method": 2}], scheme)
    assert spread == pytest.approx({"approach": 0.7, "method": 0.2})


def test_a_tender_file_averages_the_evaluators_of_a_bid():
    data = {
        **NESTED,
        "bids": [
            {"bidder": "a", "price": 10, "scores": {"approach": 8, "method": 2, "team": 5}},
            {
                "bidder": "b",
                "price": 12,
                "order": 2,
                "evaluators": [{"approach": 6, "method": 4, "team": 5}, {"approach": 8, "method": 5, "team": 7}],
            },
            {"bidder": "c", "eligible": False},
        ],
    }
    scheme, bids = tender_from_mapping(data)
    assert bids[1].scores == pytest.approx({"approach": 7, "method": 4.5, "team": 6})
    assert bids[1].order == 2
    assert bids[2].eligible is False
    assert rank(scheme, bids).winner == "b"


# Properties


@st.composite
def tenders(draw: Any, formulas: tuple[str, ...] = PRICE_FORMULAS) -> tuple[Scheme, list[BidInput]]:
    tops = draw(st.integers(2, 4))
    raw = draw(st.lists(st.integers(1, 20), min_size=tops, max_size=tops))
    price_at = draw(st.integers(0, tops - 1))
    criteria = []
    for i, share in enumerate(raw):
        weight = 100 * share / sum(raw)
        if i == price_at:
            criteria.append(Criterion(f"c{i}", f"criterion {i}", weight, is_price=True))
            continue
        scale = draw(st.sampled_from([5.0, 10.0, 60.0]))
        threshold = draw(st.sampled_from([None, None, None, scale / 4]))
        children: tuple[Criterion, ...] = ()
        if draw(st.booleans()):
            parts = draw(st.lists(st.integers(1, 9), min_size=2, max_size=3))
            children = tuple(
                Criterion(f"c{i}.{j}", f"criterion {i}.{j}", 100 * p / sum(parts), max_score=scale)
                for j, p in enumerate(parts)
            )
        criteria.append(Criterion(f"c{i}", f"criterion {i}", weight, scale, threshold, children=children))
    scheme = Scheme(tuple(criteria), price_formula=draw(st.sampled_from(formulas)))
    bids = []
    for b in range(draw(st.integers(2, 6))):
        scores = {c.key: draw(st.floats(0, c.max_score)) for c, _ in scheme.leaves() if not c.is_price}
        eligible = draw(st.sampled_from([True, True, True, True, False]))
        bids.append(BidInput(f"bidder {b}", draw(st.floats(1_000, 1_000_000)), scores, eligible, order=b))
    return scheme, bids


def merits(ranking: Ranking, formula: str) -> dict[str, float]:
    """What the ranking sorts on, highest first, for the ranked bids: the total, or quality bought per price."""
    results = [r for r in ranking.results if r.rank is not None]
    if formula != "price_per_quality_point" or not results:
        return {r.bidder: r.total for r in results}
    prices = {r.bidder: float(r.price or 0.0) for r in results}  # every ranked bid has a price under this formula
    lowest = min(prices.values())
    return {r.bidder: r.quality_points * lowest / prices[r.bidder] for r in results}


def reweighted(scheme: Scheme, key: str, weight: float) -> Scheme:
    """The scheme with top-level `key` at `weight`, the other top-level weights scaled to keep 100."""
    current = next(c.weight for c in scheme.criteria if c.key == key)
    scale = (100 - weight) / (100 - current)
    return replace(
        scheme,
        criteria=tuple(replace(c, weight=weight if c.key == key else c.weight * scale) for c in scheme.criteria),
    )


def not_overtaken(scheme: Scheme, bids: list[BidInput], winner: str) -> bool:
    values = merits(rank(scheme, bids), scheme.price_formula)
    return max(values.values()) <= values[winner] + 1e-7


@given(tenders())
def test_totals_stay_within_0_and_100(tender):
    for result in rank(*tender).results:
        assert result.quality_points >= -1e-9
        assert result.price_points >= -1e-9
        assert result.total <= 100 + 1e-9
        assert result.total == pytest.approx(result.quality_points + result.price_points)


@given(tenders(formulas=("lowest_relative", "linear")), st.floats(0.01, 100))
def test_scaling_every_price_by_a_constant_keeps_the_ranking(tender, factor):
    scheme, bids = tender
    scaled = [replace(b, price=b.price * factor) for b in bids]
    before, after = rank(scheme, bids), rank(scheme, scaled)
    assert [r.bidder for r in after.results] == [r.bidder for r in before.results]
    assert [r.total for r in after.results] == pytest.approx([r.total for r in before.results])


@given(tenders())
def test_the_winner_is_best_on_the_formulas_own_measure(tender):
    scheme, bids = tender
    ranking = rank(scheme, bids)
    winner = ranking.winner
    assume(winner is not None)
    assert winner is not None
    values = merits(ranking, scheme.price_formula)
    assert values[winner] >= max(values.values()) - 1e-9
    if scheme.price_formula != "price_per_quality_point":
        assert by_bidder(ranking)[winner].total >= max(values.values()) - 1e-9
    ranks = [r.rank for r in ranking.results if r.rank is not None]
    assert ranks == list(range(1, len(ranks) + 1))


@given(tenders(), st.randoms(use_true_random=False))
def test_the_order_of_the_bids_in_the_list_does_not_change_a_ranking_without_ties(tender, random):
    scheme, bids = tender
    ranking = rank(scheme, bids)
    values = sorted(merits(ranking, scheme.price_formula).values())
    assume(all(b - a > 1e-6 for a, b in pairwise(values)))
    shuffled = random.sample(bids, len(bids))
    again = rank(scheme, shuffled)
    assert ranked(again) == ranked(ranking)
    assert again.sensitivity == ranking.sensitivity


@given(tenders())
def test_the_reported_weight_changes_the_winner_and_no_nearer_weight_does(tender):
    scheme, bids = tender
    ranking = rank(scheme, bids)
    winner = ranking.winner
    assume(winner is not None)
    assert winner is not None
    for s in ranking.sensitivity:
        weight = s.weight_to_change_winner
        if weight is None:
            for probe in (0.0, 33.3, 50.0, 77.7, 100.0):
                assert not_overtaken(reweighted(scheme, s.criterion, probe), bids, winner)
            continue
        assert 0 <= weight <= 100
        assert round(weight, 1) == weight
        moved = rank(reweighted(scheme, s.criterion, weight), bids)
        assert moved.winner == s.new_winner
        assert moved.winner != winner
        # grid points nearer the current weight: the one just before the reported weight, the midpoint, and the
        # first one past the current weight
        step = 0.1 if weight > s.current_weight else -0.1
        low, high = sorted((s.current_weight, weight))
        probes = {round(weight - step, 1), round((weight + s.current_weight) / 2, 1)}
        tenths = s.current_weight * 10
        probes.add(round((math.floor(tenths) + 1) / 10 if step > 0 else (math.ceil(tenths) - 1) / 10, 1))
        for probe in sorted(p for p in probes if low < p < high):
            assert not_overtaken(reweighted(scheme, s.criterion, probe), bids, winner)


@given(tenders())
def test_the_ranking_is_plain_json(tender):
    import json

    ranking = rank(*tender)
    data = json.loads(json.dumps(ranking.as_dict(), allow_nan=False))
    assert data["winner"] == ranking.winner
    assert len(data["results"]) == len(tender[1])


# Bad input names the field


VALID: dict[str, Any] = {
    "criteria": [
        {"key": "quality", "name": "Quality", "weight": 60, "threshold": 3},
        {"key": "price", "name": "Price", "weight": 40, "is_price": True},
    ]
}


def with_criteria(*criteria: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"criteria": list(criteria), **options}


LEAF = {"key": "q", "name": "Q", "weight": 60}
PRICE = {"key": "price", "name": "Price", "weight": 40, "is_price": True}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (with_criteria(), "criteria", "non-empty list"),
        (with_criteria({**LEAF, "weight": 50}, PRICE), "criteria", "add up to 90, not 100"),
        (
            with_criteria(
                {
                    **LEAF,
                    "children": [{"key": "a", "name": "A", "weight": 50}, {"key": "b", "name": "B", "weight": 40}],
                },
                PRICE,
            ),
            "criteria[0].children",
            "the weights of criteria[0].children add up to 90",
        ),
        (
            with_criteria(
                PRICE,
                {
                    **LEAF,
                    "children": [
                        {
                            "key": "a",
                            "name": "A",
                            "weight": 100,
                            "children": [{"key": "a1", "name": "A1", "weight": 99}],
                        }
                    ],
                },
            ),
            "criteria[1].children[0].children",
            "add up to 99",
        ),
        (
            with_criteria({**LEAF, "weight": 30}, PRICE, {**PRICE, "key": "p2", "weight": 30}),
            "criteria[2].is_price",
            "second",
        ),
        (
            with_criteria(LEAF, {**PRICE, "children": [{"key": "p1", "name": "P1", "weight": 100}]}),
            "criteria[1].children",
            "cannot have children",
        ),
        (with_criteria(LEAF, {**PRICE, "threshold": 1}), "criteria[1].threshold", "no threshold"),
        (
            with_criteria(
                {
                    "key": "all",
                    "name": "All",
                    "weight": 100,
                    "threshold": 5,
                    "children": [{**LEAF, "weight": 60}, PRICE],
                }
            ),
            "criteria[0].threshold",
            "contains the price criterion",
        ),
        ({**VALID, "price_formula": "cheapest"}, "price_formula", "'cheapest' is not one of lowest_relative"),
        (
            with_criteria({**LEAF, "weight": 100}, price_formula="price_per_quality_point"),
            "price_formula",
            "needs a price criterion",
        ),
        (with_criteria({**LEAF, "weight": "lots"}, PRICE), "criteria[0].weight", "not 'lots'"),
        (with_criteria({"key": "q", "name": "Q"}, PRICE), "criteria[0].weight", "missing"),
        (with_criteria({**LEAF, "weight": 160}, {**PRICE, "weight": -60}), "criteria[0].weight", "from 0 to 100"),
        (with_criteria({**LEAF, "max_score": 0}, PRICE), "criteria[0].max_score", "above 0"),
        (with_criteria({**LEAF, "threshold": 11}, PRICE), "criteria[0].threshold", "within the scale 0..10"),
        (with_criteria({**LEAF, "key": "price"}, PRICE), "criteria[1].key", "also the key of criteria[0]"),
        (with_criteria({"name": "Q", "weight": 60}, PRICE), "criteria[0].key", "missing"),
        (with_criteria(LEAF, {**PRICE, "is_price": "yes"}), "criteria[1].is_price", "true or false"),
        (with_criteria(LEAF, {**PRICE, "children": {}}), "criteria[1].children", "list of criteria"),
        ({**VALID, "abnormal_next_gap": 1.5}, "abnormal_next_gap", "between 0 and 1"),
        ({**VALID, "abnormal_mean_gap": 0}, "abnormal_mean_gap", "between 0 and 1"),
    ],
)
def test_a_bad_scheme_is_refused_naming_the_field(data, field, words):
    with pytest.raises(EvaluationInputError, match=re.escape(words)) as caught:
        Scheme.from_mapping(data)
    assert caught.value.field == field


def test_a_scheme_built_directly_is_checked_too():
    with pytest.raises(EvaluationInputError) as caught:
        Scheme((Criterion("a", "A", 50), Criterion("b", "B", 40)))
    assert caught.value.field == "criteria"


GOOD_BID: dict[str, Any] = {"bidder": "ok", "price": 100, "scores": {"quality": 5}}


@pytest.mark.parametrize(
    ("bid", "field", "words"),
    [
        ({"scores": {"quality": 12}}, "bids[1].scores.quality", "is 12, outside 0..10"),
        ({"scores": {"quality": -1}}, "bids[1].scores.quality", "outside 0..10"),
        ({"scores": {"quality": "high"}}, "bids[1].scores.quality", "must be a finite number, not 'high'"),
        ({"scores": {"quality": math.nan}}, "bids[1].scores.quality", "finite number"),
        ({"scores": {}}, "bids[1].scores.quality", "no score for quality"),
        ({"scores": {"quality": 5, "colour": 3}}, "bids[1].scores.colour", "not a criterion of this scheme"),
        ({"scores": {"quality": 5, "price": 3}}, "bids[1].scores.price", "is the price criterion"),
        ({"price": None}, "bids[1].price", "price is missing"),
        ({"price": 0}, "bids[1].price", "above 0"),
        ({"price": -5}, "bids[1].price", "above 0"),
        ({"bidder": "ok"}, "bids[1].bidder", "also the name of bids[0]"),
        ({"bidder": " "}, "bids[1].bidder", "empty"),
        ({"order": 1.5}, "bids[1].order", "whole number"),
    ],
)
def test_a_bad_bid_is_refused_naming_the_field(bid, field, words):
    scheme = Scheme.from_mapping(VALID)
    values = {**GOOD_BID, "bidder": "second", **bid}
    bids = [BidInput(**GOOD_BID), BidInput(**values)]
    with pytest.raises(EvaluationInputError, match=re.escape(words)) as caught:
        rank(scheme, bids)
    assert caught.value.field == field


def test_scoring_a_parent_instead_of_its_children_is_refused():
    scheme = Scheme.from_mapping(NESTED)
    with pytest.raises(EvaluationInputError, match="has sub-criteria: score them instead") as caught:
        rank(scheme, [BidInput("a", 10, {"technical": 5, "team": 5})])
    assert caught.value.field == "bids[0].scores.technical"


@pytest.mark.parametrize(
    ("bid", "field", "words"),
    [
        ({"evaluators": [{"quality": 5}, {"quality": 11}]}, "bids[0].evaluators[1].quality", "outside 0..10"),
        ({"evaluators": [{"quality": 5}, {}]}, "bids[0].evaluators[1].quality", "no score for quality"),
        ({"evaluators": []}, "bids[0].evaluators", "non-empty list"),
        ({"evaluators": [{"quality": 5}], "scores": {"quality": 5}}, "bids[0].evaluators", "both scores and"),
        ({"eligible": "yes"}, "bids[0].eligible", "true or false"),
        ({"price": "cheap"}, "bids[0].price", "not 'cheap'"),
    ],
)
def test_bad_bids_in_a_tender_file_name_the_field(bid, field, words):
    data = {**VALID, "bids": [{"bidder": "a", "price": 10, **bid}]}
    with pytest.raises(EvaluationInputError, match=re.escape(words)) as caught:
        tender_from_mapping(data)
    assert caught.value.field == field


def test_ineligible_evaluators_may_skip_a_criterion_but_must_agree_on_which():
    scheme = Scheme.from_mapping(NESTED)
    with pytest.raises(EvaluationInputError, match=re.escape("which bids[0].evaluators[0] did not")) as caught:
        tender_from_mapping({**NESTED, "bids": [{"bidder": "x", "eligible": False, "evaluators": [{}, {"team": 2}]}]})
    assert caught.value.field == "bids[0].evaluators[1].team"
    assert divergence([{"team": 2}], scheme) == {"team": 0.0}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: score_from_evaluators([]), "evaluators"),
        (lambda: score_from_evaluators([{"a": 1}, {"a": 2, "b": 3}]), "evaluators[1].b"),
        (lambda: divergence([{"quality": 12}], Scheme.from_mapping(VALID)), "evaluators[0].quality"),
        (lambda: abnormally_low({"a": 1}, next_gap=0, mean_gap=0.4), "next_gap"),
        (lambda: abnormally_low({"a": 1}, next_gap=0.3, mean_gap=2), "mean_gap"),
        (lambda: abnormally_low({"a": -1}, next_gap=0.3, mean_gap=0.4), "prices.a"),
    ],
)
def test_bad_input_to_the_helpers_names_the_field(call, field):
    with pytest.raises(EvaluationInputError) as caught:
        call()
    assert caught.value.field == field
