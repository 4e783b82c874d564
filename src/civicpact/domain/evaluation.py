"""Tender evaluation: weighted criteria, price formulas, thresholds, abnormally low bids and weight sensitivity.

The scheme is a tree of criteria. Siblings' weights are shares of their parent in points of 100 and add up to
100 (within 1e-6); a criterion's effective weight is the product of the weights down the tree, in points of
100, so the leaves' effective weights add up to 100. Evaluators score every non-price leaf on its own scale,
0..max_score (a points-based tender sets max_score to the criterion's maximum points). The consensus score is
agreed in moderation or, by default, the mean of the evaluators' scores (`score_from_evaluators`);
`divergence` shows the moderator where evaluators disagree. A leaf earns effective weight x score / max_score
points; a bid's quality points are the sum over the non-price leaves.

At most one leaf is the price criterion; it is not scored by evaluators. With P its effective weight, its
points come from the prices of the qualified bids (eligible and at or above every threshold) only:
- `lowest_relative`: P x lowest price / this price.
- `linear`: P x (highest price - this price) / (highest - lowest); full points when all prices are equal.
- `price_per_quality_point`: quality points as above, then bids rank by price / quality points, lowest first
  (a bid without quality points has no ratio and ranks last); the total is reported as quality points
  + P x (lowest ratio / this bid's ratio), so it need not be highest for the winner.
The total is quality points + price points, out of 100.

Disqualified: a bid that is not eligible (it failed a pass/fail requirement) or whose consensus score on a
criterion with a threshold is below it. A parent criterion's score, for its own threshold, is its max_score x
the weighted mean of its children's scores as shares of their scales. A disqualified bid is not ranked, gets
no price points (its total is its quality points) and its price is not compared with the others'. A bid that
is not eligible need not carry a price or every score.

Ranking: by total, highest first (by price per quality point, lowest first, for that formula). Totals (or
ratios) equal to 9 decimals are a tie, broken in this order: the higher quality points, the lower price, the
earlier submission (`order`), the earlier place in the list.

Abnormally low bids (the thresholds of Ukraine's open-source e-procurement system): among the qualified bids'
prices, a bid is flagged when it is at least `abnormal_next_gap` (30%) below the next higher price (the lowest
of the other prices at or above its own) or at least `abnormal_mean_gap` (40%) below the mean of the other
bids' prices; every reason that applies is reported, the mean first. A flag does not change the ranking: the
evaluators ask the bidder to explain its price before the award.

A Swiss challenge may give its proponent a bonus in points (`BidInput.bonus`, 0..100), added to its total and
so to its ranking (not with price_per_quality_point, whose ratio has no points to add to); a disqualified bid
gets no bonus. `swiss_outcome` says whether, under a right to match instead, the proponent may match the best
competing offer; `down_select` keeps the first `keep` ranked bids of a stage that does not end in an award.

Sensitivity: move one top-level criterion's weight w between 0 and 100, the other top-level weights scaled
by (100 - w) / (100 - current) to keep 100. Every bid's total is then linear in w (the price points too: the
set of qualified bids and their price ratios do not depend on the weights); for `price_per_quality_point` the
ranking follows quality points x lowest price / price, also linear in w. So the crossings with the winner
are solved in closed form for every bid and every top-level criterion at once. Reported: the weight on the
0.1 grid nearest the current one at which another ranked bid beats the winner by more than 1e-7 points, and
which bid would then win; None when no weight in 0..100 does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

PRICE_FORMULAS = ("lowest_relative", "linear", "price_per_quality_point")
WEIGHT_TOLERANCE = 1e-6  # siblings' weights must add up to 100 within this
TIE_DIGITS = 9  # totals equal to this many decimals are a tie
SENSITIVITY_MARGIN = 1e-7  # a bid must beat the winner by more than this to count as overtaking it
FloatArray = NDArray[np.float64]
_TIE_BREAKS = ("higher quality points", "lower price", "earlier submission", "earlier place in the list")


class EvaluationInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Criterion:
    key: str  # unique in the tree, e.g. "quality.approach"
    name: str
    weight: float  # share of its parent in points of 100: siblings' weights add up to 100
    max_score: float = 10.0  # evaluators score 0..max_score
    threshold: float | None = None  # minimum consensus score on this criterion's scale
    is_price: bool = False  # at most one, a leaf, not scored by evaluators
    children: tuple[Criterion, ...] = ()


@dataclass(frozen=True)
class _Node:
    """A criterion in its place in the tree."""

    criterion: Criterion
    path: str  # e.g. "criteria[1].children[0]"
    top: int  # index of its top-level criterion
    weight: float  # effective weight, points of 100
    share: float  # its share of its top-level criterion's weight, 0..1


def _nodes(
    criteria: Sequence[Criterion],
    path: str = "criteria",
    top: int | None = None,
    weight: float = 100.0,
    share: float = 1.0,
) -> Iterator[_Node]:
    """Every criterion, depth first in tree order."""
    for index, criterion in enumerate(criteria):
        here = f"{path}[{index}]"
        own_top = index if top is None else top
        own_weight = weight * criterion.weight / 100
        own_share = 1.0 if top is None else share * criterion.weight / 100
        yield _Node(criterion, here, own_top, own_weight, own_share)
        yield from _nodes(criterion.children, f"{here}.children", own_top, own_weight, own_share)


def _subtree(criterion: Criterion) -> Iterator[Criterion]:
    yield criterion
    for child in criterion.children:
        yield from _subtree(child)


@dataclass(frozen=True)
class Scheme:
    criteria: tuple[Criterion, ...]  # top level: weights add up to 100
    price_formula: str = "lowest_relative"
    abnormal_next_gap: float = 0.30  # flag a bid at least 30% below the next higher price
    abnormal_mean_gap: float = 0.40  # or at least 40% below the mean of the other bids' prices

    def __post_init__(self) -> None:
        _check_scheme(self)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Scheme:
        """A scheme from plain data (`criteria` with nested `children`, `price_formula`, the two gaps)."""
        if not isinstance(data, Mapping):
            raise EvaluationInputError("(top level)", "the tender must be an object with criteria and bids")
        raw = data.get("criteria")
        if not isinstance(raw, list) or not raw:
            raise EvaluationInputError("criteria", "criteria must be a non-empty list of criteria")
        formula = data.get("price_formula", "lowest_relative")
        if not isinstance(formula, str):
            raise EvaluationInputError("price_formula", f"price_formula must be one of {', '.join(PRICE_FORMULAS)}")
        return cls(
            criteria=tuple(_criterion(item, f"criteria[{index}]") for index, item in enumerate(raw)),
            price_formula=formula,
            abnormal_next_gap=_number(data.get("abnormal_next_gap", 0.30), "abnormal_next_gap"),
            abnormal_mean_gap=_number(data.get("abnormal_mean_gap", 0.40), "abnormal_mean_gap"),
        )

    def leaves(self) -> tuple[tuple[Criterion, float], ...]:
        """Each leaf (the price criterion included) with its effective weight, in points of 100, in tree order."""
        return tuple((node.criterion, node.weight) for node in _nodes(self.criteria) if not node.criterion.children)

    @property
    def price_criterion(self) -> Criterion | None:
        return next((c for c, _ in self.leaves() if c.is_price), None)

    @property
    def price_weight(self) -> float:
        """The price criterion's effective weight (0 without one)."""
        return next((weight for c, weight in self.leaves() if c.is_price), 0.0)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any, field: str) -> float:
    if value is None:
        raise EvaluationInputError(field, f"{field} is missing: give a number")
    if not _finite(value):
        raise EvaluationInputError(field, f"{field} must be a finite number, not {value!r}")
    return float(value)


def _criterion(data: Any, where: str) -> Criterion:
    if not isinstance(data, Mapping):
        raise EvaluationInputError(where, f"{where} must be an object with a key, a name and a weight")
    key = data.get("key")
    if not isinstance(key, str) or not key.strip():
        raise EvaluationInputError(f"{where}.key", f"{where}.key is missing: give a key such as 'quality.approach'")
    name = data.get("name", key)
    if not isinstance(name, str):
        raise EvaluationInputError(f"{where}.name", f"{where}.name must be text, not {name!r}")
    threshold = data.get("threshold")
    is_price = data.get("is_price", False)
    if not isinstance(is_price, bool):
        raise EvaluationInputError(f"{where}.is_price", f"{where}.is_price must be true or false, not {is_price!r}")
    children = data.get("children", [])
    if not isinstance(children, list):
        raise EvaluationInputError(f"{where}.children", f"{where}.children must be a list of criteria")
    return Criterion(
        key=key,
        name=name or key,
        weight=_number(data.get("weight"), f"{where}.weight"),
        max_score=_number(data.get("max_score", 10.0), f"{where}.max_score"),
        threshold=None if threshold is None else _number(threshold, f"{where}.threshold"),
        is_price=is_price,
        children=tuple(_criterion(child, f"{where}.children[{index}]") for index, child in enumerate(children)),
    )


def _check_criterion(node: _Node) -> None:
    """One criterion's own values: its weight, its scale and its threshold."""
    c, where = node.criterion, node.path
    if not isinstance(c.key, str) or not c.key.strip():
        raise EvaluationInputError(f"{where}.key", f"{where}.key is empty: give every criterion a key")
    if not _finite(c.weight) or not -WEIGHT_TOLERANCE <= c.weight <= 100 + WEIGHT_TOLERANCE:
        raise EvaluationInputError(f"{where}.weight", f"{where}.weight is {c.weight!r}: give a weight from 0 to 100")
    if not _finite(c.max_score) or c.max_score <= 0:
        raise EvaluationInputError(
            f"{where}.max_score", f"{where}.max_score is {c.max_score!r}: the top of the scale must be above 0"
        )
    if c.threshold is not None and (not _finite(c.threshold) or not 0 <= c.threshold <= c.max_score):
        raise EvaluationInputError(
            f"{where}.threshold",
            f"{where}.threshold is {c.threshold!r}: give a minimum score within the scale 0..{c.max_score:g}",
        )
    if c.is_price and c.children:
        raise EvaluationInputError(
            f"{where}.children",
            f"{where} is the price criterion and cannot have children: the formula scores the price",
        )
    if c.is_price and c.threshold is not None:
        raise EvaluationInputError(
            f"{where}.threshold", f"{where} is the price criterion and takes no threshold: evaluators do not score it"
        )
    if c.children and c.threshold is not None and any(d.is_price for d in _subtree(c)):
        raise EvaluationInputError(
            f"{where}.threshold",
            f"{where} contains the price criterion, so it takes no threshold: put it on a quality criterion",
        )


def _check_tree(scheme: Scheme, nodes: Sequence[_Node]) -> None:
    """Unique keys, one price criterion at most, siblings' weights adding up to 100."""
    keys: dict[str, str] = {}
    price: str | None = None
    for node in nodes:
        _check_criterion(node)
        c, where = node.criterion, node.path
        if c.key in keys:
            raise EvaluationInputError(
                f"{where}.key", f"{where}.key {c.key!r} is also the key of {keys[c.key]}: keys must be unique"
            )
        keys[c.key] = where
        if c.is_price and price is not None:
            raise EvaluationInputError(
                f"{where}.is_price",
                f"{where} is a second price criterion ({price} is the first): mark only one criterion is_price",
            )
        price = where if c.is_price else price
    families = [("criteria", scheme.criteria)]
    families += [(f"{n.path}.children", n.criterion.children) for n in nodes if n.criterion.children]
    for where, siblings in families:
        total = math.fsum(c.weight for c in siblings)
        if abs(total - 100) > WEIGHT_TOLERANCE:
            raise EvaluationInputError(
                where, f"the weights of {where} add up to {total:g}, not 100: make them add up to 100"
            )


def _check_scheme(scheme: Scheme) -> None:
    if not scheme.criteria:
        raise EvaluationInputError("criteria", "the scheme has no criteria: give at least one")
    nodes = tuple(_nodes(scheme.criteria))
    _check_tree(scheme, nodes)
    if scheme.price_formula not in PRICE_FORMULAS:
        raise EvaluationInputError(
            "price_formula", f"price_formula {scheme.price_formula!r} is not one of {', '.join(PRICE_FORMULAS)}"
        )
    leaves = [n.criterion for n in nodes if not n.criterion.children]
    if scheme.price_formula == "price_per_quality_point" and (
        not any(c.is_price for c in leaves) or all(c.is_price for c in leaves)
    ):
        raise EvaluationInputError(
            "price_formula",
            "price_per_quality_point needs a price criterion and at least one quality criterion: "
            "add them or choose lowest_relative",
        )
    for field in ("abnormal_next_gap", "abnormal_mean_gap"):
        gap = getattr(scheme, field)
        if not _finite(gap) or not 0 < gap < 1:
            raise EvaluationInputError(field, f"{field} is {gap!r}: give a share between 0 and 1, e.g. 0.3 for 30%")


@dataclass(frozen=True)
class BidInput:
    bidder: str
    price: float | None  # required (above 0) for an eligible bid when the scheme has a price criterion
    scores: Mapping[str, float]  # consensus score per non-price leaf key, on that leaf's scale
    eligible: bool = True  # passed the pass/fail requirements
    order: int = 0  # submission order, for the last tie-break
    bonus: float = 0.0  # points added to the total (a Swiss challenge's proponent bonus)


@dataclass(frozen=True)
class BidResult:
    bidder: str
    price: float | None
    quality_points: float  # weighted points from the non-price criteria
    price_points: float  # weighted price points (0 for a disqualified bid)
    total: float  # quality + price points, out of 100
    rank: int | None  # 1 = best; None when disqualified
    disqualified: tuple[str, ...]  # reasons
    abnormally_low: tuple[str, ...]  # reasons
    points_by_criterion: Mapping[str, float]  # every criterion's weighted points, parents summing their children
    price_per_quality_point: float | None = None  # the ranking ratio under that formula (None otherwise)
    bonus: float = 0.0  # points added to the total

    def as_dict(self) -> dict[str, Any]:
        return {
            "bidder": self.bidder,
            "price": self.price,
            "quality_points": self.quality_points,
            "price_points": self.price_points,
            "total": self.total,
            "rank": self.rank,
            "disqualified": list(self.disqualified),
            "abnormally_low": list(self.abnormally_low),
            "points_by_criterion": dict(self.points_by_criterion),
            "price_per_quality_point": self.price_per_quality_point,
            "bonus": self.bonus,
        }


@dataclass(frozen=True)
class WeightSensitivity:
    criterion: str  # top-level criterion key
    current_weight: float
    weight_to_change_winner: float | None  # nearest weight on the 0.1 grid at which another bid wins; None if none
    new_winner: str | None


@dataclass(frozen=True)
class Ranking:
    results: tuple[BidResult, ...]  # ranked first, then the disqualified ones in input order
    winner: str | None
    tie_break: str  # the rule, in words
    sensitivity: tuple[WeightSensitivity, ...]
    tie_resolved_by: str | None = None  # the tie-break that decided the winner, when the first two tied

    def as_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "tie_break": self.tie_break,
            "tie_resolved_by": self.tie_resolved_by,
            "results": [r.as_dict() for r in self.results],
            "sensitivity": [dict(s.__dict__) for s in self.sensitivity],
        }


def tie_break_rule(price_formula: str) -> str:
    first = "Equal prices per quality point" if price_formula == "price_per_quality_point" else "Equal totals"
    return (
        f"{first} go to the higher quality points, then the lower price, then the earlier submission "
        "(order), then the earlier place in the list."
    )


def _check_scores(
    scores: Any, scheme: Scheme, where: str, *, complete: bool, missing_hint: str = "give a consensus score"
) -> None:
    """Scores keyed by non-price leaves, each within its scale; with `complete`, every non-price leaf scored."""
    if not isinstance(scores, Mapping):
        raise EvaluationInputError(where, f"{where} must map criterion keys to scores")
    leaves = {c.key: c for c, _ in scheme.leaves() if not c.is_price}
    for key, value in scores.items():
        field = f"{where}.{key}"
        criterion = next((n.criterion for n in _nodes(scheme.criteria) if n.criterion.key == key), None)
        if criterion is not None and criterion.is_price:
            raise EvaluationInputError(
                field, f"{key} is the price criterion, scored from the price: drop it from the scores, give the price"
            )
        if criterion is not None and criterion.children:
            sub = ", ".join(c.key for c in _subtree(criterion) if not c.children and not c.is_price)
            raise EvaluationInputError(field, f"{key} has sub-criteria: score them instead ({sub})")
        if key not in leaves:
            raise EvaluationInputError(
                field, f"{key!r} is not a criterion of this scheme: score one of {', '.join(leaves)}"
            )
        score = _number(value, field)
        top = leaves[key].max_score
        if not 0 <= score <= top:
            raise EvaluationInputError(
                field,
                f"{field} is {score:g}, outside 0..{top:g}: score {leaves[key].name} on its scale of 0 to {top:g}",
            )
    if complete:
        for key, criterion in leaves.items():
            if key not in scores:
                raise EvaluationInputError(
                    f"{where}.{key}",
                    f"{where} has no score for {key} ({criterion.name}): {missing_hint} for every non-price criterion",
                )


def _check_bids(scheme: Scheme, bids: Sequence[BidInput]) -> None:
    price = scheme.price_criterion
    names: dict[str, int] = {}
    for index, bid in enumerate(bids):
        where = f"bids[{index}]"
        if not isinstance(bid.bidder, str) or not bid.bidder.strip():
            raise EvaluationInputError(f"{where}.bidder", f"{where}.bidder is empty: give the bidder's name")
        if bid.bidder in names:
            raise EvaluationInputError(
                f"{where}.bidder",
                f"{where}.bidder {bid.bidder!r} is also the name of bids[{names[bid.bidder]}]: "
                "give every bidder a distinct name",
            )
        names[bid.bidder] = index
        if not isinstance(bid.eligible, bool):
            raise EvaluationInputError(f"{where}.eligible", f"{where}.eligible must be true or false")
        if isinstance(bid.order, bool) or not isinstance(bid.order, int):
            raise EvaluationInputError(f"{where}.order", f"{where}.order must be a whole number, not {bid.order!r}")
        if bid.price is None:
            if price is not None and bid.eligible:
                raise EvaluationInputError(
                    f"{where}.price",
                    f"{where}.price is missing: the scheme has a price criterion ({price.name}), "
                    "so give the bid's price, above 0",
                )
        elif not _finite(bid.price) or bid.price <= 0:
            raise EvaluationInputError(f"{where}.price", f"{where}.price is {bid.price!r}: give a price above 0")
        _check_scores(bid.scores, scheme, f"{where}.scores", complete=bid.eligible)
        if not _finite(bid.bonus) or not 0 <= bid.bonus <= 100:
            raise EvaluationInputError(f"{where}.bonus", f"{where}.bonus is {bid.bonus!r}: give 0 to 100 points")
        if bid.bonus and scheme.price_formula == "price_per_quality_point":
            raise EvaluationInputError(
                f"{where}.bonus",
                f"{where}.bonus: a bonus in points cannot be added to a price per quality point; "
                "use lowest_relative or linear",
            )


def _consensus(sheets: Any, where: str) -> dict[str, float]:
    if not isinstance(sheets, Sequence) or isinstance(sheets, str) or not sheets:
        raise EvaluationInputError(where, f"{where} is empty: give at least one evaluator's scores")
    first = sheets[0]
    if not isinstance(first, Mapping):
        raise EvaluationInputError(f"{where}[0]", f"{where}[0] must map criterion keys to scores")
    values: dict[str, list[float]] = {key: [] for key in first}
    for number, sheet in enumerate(sheets):
        here = f"{where}[{number}]"
        if not isinstance(sheet, Mapping):
            raise EvaluationInputError(here, f"{here} must map criterion keys to scores")
        for key in values:
            if key not in sheet:
                raise EvaluationInputError(
                    f"{here}.{key}",
                    f"{here} has no score for {key}, which {where}[0] scored: every evaluator scores the same ones",
                )
        for key, value in sheet.items():
            if key not in values:
                raise EvaluationInputError(
                    f"{here}.{key}",
                    f"{here} scored {key}, which {where}[0] did not: every evaluator scores the same criteria",
                )
            values[key].append(_number(value, f"{here}.{key}"))
    return {key: math.fsum(scores) / len(scores) for key, scores in values.items()}


def score_from_evaluators(scores: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The default consensus: the mean of several evaluators' scores per criterion. Every evaluator must score
    the same criteria (an evaluator with a conflict of interest stands down from the whole bid)."""
    return _consensus(scores, "evaluators")


def divergence(scores: Sequence[Mapping[str, float]], scheme: Scheme) -> dict[str, float]:
    """Per non-price leaf scored: (highest - lowest evaluator's score) / max_score, 0..1, for moderation."""
    for number, sheet in enumerate(scores):
        _check_scores(sheet, scheme, f"evaluators[{number}]", complete=False)
    _consensus(scores, "evaluators")
    leaves = {c.key: c for c, _ in scheme.leaves()}
    return {
        key: (max(s[key] for s in scores) - min(s[key] for s in scores)) / leaves[key].max_score
        for key in leaves
        if key in scores[0]
    }


def _show(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _percent(share: float) -> str:
    text = f"{share * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _amount(value: float) -> str:
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def abnormally_low(prices: Mapping[str, float], *, next_gap: float, mean_gap: float) -> dict[str, tuple[str, ...]]:
    """The abnormally low prices among `prices` (bidder -> price), each with its reasons; unflagged bidders are
    left out. A price is flagged when it is at least `mean_gap` below the mean of the other prices, or at least
    `next_gap` below the next higher price (the lowest of the other prices at or above it)."""
    for field, gap in (("next_gap", next_gap), ("mean_gap", mean_gap)):
        if not _finite(gap) or not 0 < gap < 1:
            raise EvaluationInputError(field, f"{field} is {gap!r}: give a share between 0 and 1, e.g. 0.3 for 30%")
    for bidder, price in prices.items():
        if not _finite(price) or price <= 0:
            raise EvaluationInputError(f"prices.{bidder}", f"prices.{bidder} is {price!r}: give a price above 0")
    flags: dict[str, tuple[str, ...]] = {}
    for bidder, price in prices.items():
        others = [p for b, p in prices.items() if b != bidder]
        if not others:
            continue
        reasons = []
        mean = math.fsum(others) / len(others)
        below_mean = (mean - price) / mean
        if below_mean >= mean_gap - 1e-12:
            reasons.append(f"{_percent(below_mean)} below the mean of the other bids ({_amount(mean)})")
        higher = [p for p in others if p >= price]
        if higher:
            following = min(higher)
            below_next = (following - price) / following
            if below_next >= next_gap - 1e-12:
                reasons.append(f"{_percent(below_next)} below the next higher price ({_amount(following)})")
        if reasons:
            flags[bidder] = tuple(reasons)
    return flags


def _node_score(criterion: Criterion, scores: Mapping[str, float]) -> float | None:
    """The consensus score on the criterion's scale; a parent's from its children's; None if any is missing."""
    if not criterion.children:
        return scores.get(criterion.key)
    total = 0.0
    for child in criterion.children:
        score = _node_score(child, scores)
        if score is None:
            return None
        total += child.weight / 100 * score / child.max_score
    return criterion.max_score * total


def _disqualifications(scheme: Scheme, bid: BidInput) -> tuple[str, ...]:
    reasons = [] if bid.eligible else ["not eligible"]
    for node in _nodes(scheme.criteria):
        c = node.criterion
        if c.threshold is None:
            continue
        score = _node_score(c, bid.scores)
        if score is not None and round(score, TIE_DIGITS) < c.threshold:
            reasons.append(f"below threshold on {c.name}: {_show(score)} < {_show(c.threshold)}")
    return tuple(reasons)


def _node_points(criterion: Criterion, points: Mapping[str, float], out: dict[str, float]) -> float:
    if criterion.children:
        out[criterion.key] = math.fsum(_node_points(child, points, out) for child in criterion.children)
    else:
        out[criterion.key] = points.get(criterion.key, 0.0)
    return out[criterion.key]


def _sort_key(merit: float, quality: float, bid: BidInput, position: int) -> tuple[float, float, float, int, int]:
    price = bid.price if bid.price is not None else math.inf
    return (-round(merit, TIE_DIGITS), -round(quality, TIE_DIGITS), price, bid.order, position)


@dataclass(frozen=True)
class _Scored:
    """Every bid's points at the scheme's weights; arrays follow the bids' order."""

    leaves: tuple[_Node, ...]  # the non-price leaves: the columns of `normalised`
    price: _Node | None
    normalised: FloatArray  # score / max_score, bid x leaf (0 where a bid that is not eligible has no score)
    quality: FloatArray  # quality points
    factor: FloatArray  # price points / price weight, 0..1 (0 when disqualified)
    per_price: FloatArray  # lowest price / price under price_per_quality_point (1 otherwise)
    merit: FloatArray  # what ranks the bids, highest first
    reasons: tuple[tuple[str, ...], ...]  # why each bid is disqualified

    @property
    def qualified(self) -> list[int]:
        return [i for i, why in enumerate(self.reasons) if not why]


def _price_factors(
    formula: str, quality: FloatArray, prices: FloatArray, qualified: Sequence[int]
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Price points as a share of the price weight, lowest price / price, and (price_per_quality_point) the
    quality points bought at the lowest price, which order the bids as their price per quality point does."""
    count = quality.size
    factor, per_price = np.zeros(count), np.ones(count)
    if not qualified:
        return factor, per_price, None
    chosen = np.array(qualified)
    offered = prices[chosen]
    lowest, highest = float(offered.min()), float(offered.max())
    if formula == "lowest_relative":
        factor[chosen] = lowest / offered
        return factor, per_price, None
    if formula == "linear":
        factor[chosen] = 1.0 if highest == lowest else (highest - offered) / (highest - lowest)
        return factor, per_price, None
    per_price[chosen] = lowest / offered
    merit = quality.copy()
    merit[chosen] = quality[chosen] * per_price[chosen]
    best = float(merit[chosen].max())
    factor[chosen] = merit[chosen] / best if best > 0 else 0.0
    return factor, per_price, merit


def _score_bids(scheme: Scheme, bids: Sequence[BidInput]) -> _Scored:
    nodes = tuple(_nodes(scheme.criteria))
    leaves = tuple(n for n in nodes if not n.criterion.children and not n.criterion.is_price)
    price = next((n for n in nodes if n.criterion.is_price), None)
    normalised = np.array(
        [[bid.scores.get(n.criterion.key, 0.0) / n.criterion.max_score for n in leaves] for bid in bids],
        dtype=np.float64,
    ).reshape(len(bids), len(leaves))
    quality = normalised @ np.array([n.weight for n in leaves], dtype=np.float64)
    reasons = tuple(_disqualifications(scheme, bid) for bid in bids)
    qualified = [i for i, why in enumerate(reasons) if not why]
    if price is None:
        factor, per_price, merit = np.zeros(len(bids)), np.ones(len(bids)), None
    else:
        prices = np.array([bid.price if bid.price is not None else np.nan for bid in bids], dtype=np.float64)
        factor, per_price, merit = _price_factors(scheme.price_formula, quality, prices, qualified)
    bonus = np.array([0.0 if reasons[i] else bid.bonus for i, bid in enumerate(bids)], dtype=np.float64)
    total = quality + scheme.price_weight * factor + bonus
    return _Scored(leaves, price, normalised, quality, factor, per_price, total if merit is None else merit, reasons)


def _result(
    scheme: Scheme, scored: _Scored, bid: BidInput, i: int, *, place: int | None, flags: tuple[str, ...]
) -> BidResult:
    price_points = scheme.price_weight * float(scored.factor[i])
    points = {n.criterion.key: float(scored.normalised[i, j] * n.weight) for j, n in enumerate(scored.leaves)}
    if scored.price is not None:
        points[scored.price.criterion.key] = price_points
    by_criterion: dict[str, float] = {}
    for criterion in scheme.criteria:
        _node_points(criterion, points, by_criterion)
    quality = float(scored.quality[i])
    bonus = 0.0 if scored.reasons[i] else bid.bonus
    ratio = None
    if scheme.price_formula == "price_per_quality_point" and not scored.reasons[i] and quality > 0:
        ratio = float(bid.price or 0.0) / quality
        ratio = ratio if math.isfinite(ratio) else None
    return BidResult(
        bidder=bid.bidder,
        price=bid.price,
        quality_points=quality,
        price_points=price_points,
        total=quality + price_points + bonus,
        rank=place,
        disqualified=scored.reasons[i],
        abnormally_low=flags,
        points_by_criterion={n.criterion.key: by_criterion[n.criterion.key] for n in _nodes(scheme.criteria)},
        price_per_quality_point=ratio,
        bonus=bonus,
    )


def _unit_points(scheme: Scheme, scored: _Scored) -> tuple[FloatArray, FloatArray]:
    """Merit and quality points per point of each top-level criterion's weight: bid x top-level criterion."""
    unit_quality = np.zeros((scored.quality.size, len(scheme.criteria)))
    for j, n in enumerate(scored.leaves):
        unit_quality[:, n.top] += n.share * scored.normalised[:, j]
    if scheme.price_formula == "price_per_quality_point":
        return unit_quality * scored.per_price[:, None], unit_quality
    unit_merit = unit_quality.copy()
    if scored.price is not None:
        unit_merit[:, scored.price.top] += scored.price.share * scored.factor
    return unit_merit, unit_quality


def rank(scheme: Scheme, bids: Sequence[BidInput]) -> Ranking:
    """Score, disqualify, rank and flag the bids, and measure how far each top-level weight is from changing
    the winner. Raises EvaluationInputError naming the field (`bids[2].scores.quality`) for bad bids."""
    _check_bids(scheme, bids)
    scored = _score_bids(scheme, bids)
    qualified = scored.qualified
    keys = {i: _sort_key(float(scored.merit[i]), float(scored.quality[i]), bids[i], i) for i in qualified}
    ranked = sorted(qualified, key=keys.__getitem__)
    tie_resolved_by = None
    if len(ranked) > 1 and keys[ranked[0]][0] == keys[ranked[1]][0]:
        first, second = keys[ranked[0]], keys[ranked[1]]
        tie_resolved_by = next(rule for a, b, rule in zip(first[1:], second[1:], _TIE_BREAKS, strict=True) if a != b)
    flags = abnormally_low(
        {bids[i].bidder: bids[i].price or 0.0 for i in qualified if bids[i].price is not None},
        next_gap=scheme.abnormal_next_gap,
        mean_gap=scheme.abnormal_mean_gap,
    )
    results = [
        _result(scheme, scored, bids[i], i, place=place, flags=flags.get(bids[i].bidder, ()))
        for place, i in enumerate(ranked, start=1)
    ]
    results += [
        _result(scheme, scored, bids[i], i, place=None, flags=()) for i in range(len(bids)) if scored.reasons[i]
    ]
    sensitivity: tuple[WeightSensitivity, ...] = ()
    if ranked:
        unit_merit, unit_quality = _unit_points(scheme, scored)
        rows = np.array(ranked)
        sensitivity = _sensitivity(scheme, unit_merit[rows], unit_quality[rows], [bids[i] for i in ranked], ranked)
    return Ranking(
        results=tuple(results),
        winner=bids[ranked[0]].bidder if ranked else None,
        tie_break=tie_break_rule(scheme.price_formula),
        sensitivity=sensitivity,
        tie_resolved_by=tie_resolved_by,
    )


def _top_weights(weights: FloatArray, criterion: int, weight: float) -> FloatArray:
    """The top-level weights with `criterion` at `weight` and the others scaled to keep the total at 100."""
    moved: FloatArray = weights * ((100.0 - weight) / (100.0 - weights[criterion]))
    moved[criterion] = weight
    return moved


def _sensitivity(
    scheme: Scheme,
    unit_merit: FloatArray,
    unit_quality: FloatArray,
    bids: Sequence[BidInput],
    positions: Sequence[int],
) -> tuple[WeightSensitivity, ...]:
    """Rows are the ranked bids, the winner first; columns the top-level criteria. A bid's merit at weights W is
    unit_merit @ W, so with criterion c at weight w it is linear in w: solved for every bid and criterion at once."""
    weights = np.array([c.weight for c in scheme.criteria], dtype=np.float64)
    tops = weights.size
    movable = weights < 100.0 - WEIGHT_TOLERANCE
    # row c: the weights with criterion c at 0, the others scaled up (unused where c cannot move)
    scale = np.where(movable, 100.0 / np.where(movable, 100.0 - weights, 1.0), 0.0)
    at_zero = weights[None, :] * scale[:, None]
    np.fill_diagonal(at_zero, 0.0)
    bonus = np.array([bid.bonus for bid in bids], dtype=np.float64)[:, None]  # the same at every weight
    merit_at_zero = unit_merit @ at_zero.T + bonus  # bids x criteria
    merit_at_full = 100.0 * unit_merit + bonus  # criterion c alone, at 100
    start = merit_at_zero - merit_at_zero[0]  # each bid's lead over the winner at weight 0
    slope = (merit_at_full - merit_at_full[0] - start) / 100.0
    up, down = slope > 0, slope < 0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        # the lead exceeds the margin beyond this weight (above it when rising, below it when falling); a weight
        # outside 0..100 is as good as none, so clip before gridding (a tiny slope would overflow)
        edge = np.where(up | down, (SENSITIVITY_MARGIN - start) / np.where(up | down, slope, 1.0), 0.0)
    edge = np.clip(edge, -1.0, 101.0)
    step = np.where(up, 1.0, -1.0)
    tenths = np.where(up, np.floor(edge * 10) + 1, np.ceil(edge * 10) - 1)  # the first grid point past the edge
    lead = start + slope * tenths / 10
    tenths = np.where(lead > SENSITIVITY_MARGIN, tenths, tenths + step)  # rounding put it on the edge: one more
    lead = start + slope * tenths / 10
    valid = (up | down) & (lead > SENSITIVITY_MARGIN) & (tenths >= 0) & (tenths <= 1000) & movable[None, :]
    valid[0] = False  # the winner does not overtake itself
    distance = np.where(valid, np.abs(tenths / 10 - weights[None, :]), np.inf)

    out = []
    for c in range(tops):
        key, current = scheme.criteria[c].key, float(weights[c])
        if not valid[:, c].any():
            out.append(WeightSensitivity(key, current, None, None))
            continue
        row = min(np.flatnonzero(valid[:, c]), key=lambda r: (distance[r, c], tenths[r, c]))
        weight = round(float(tenths[row, c]) / 10, 1)
        moved = _top_weights(weights, c, weight)
        merit, quality = unit_merit @ moved + bonus[:, 0], unit_quality @ moved
        best = min(
            range(len(bids)),
            key=lambda r: _sort_key(float(merit[r]), float(quality[r]), bids[r], positions[r]),
        )
        out.append(WeightSensitivity(key, current, weight, bids[best].bidder))
    return tuple(out)


def tender_from_mapping(data: Mapping[str, Any]) -> tuple[Scheme, tuple[BidInput, ...]]:
    """The scheme and the bids of a tender file. A bid gives either `scores` (the consensus) or `evaluators`
    (each evaluator's scores, averaged by `score_from_evaluators`); each evaluator's score is checked against
    the scheme, naming it (`bids[1].evaluators[0].quality`)."""
    scheme = Scheme.from_mapping(data)
    raw = data.get("bids", [])
    if not isinstance(raw, list):
        raise EvaluationInputError("bids", "bids must be a list of bids")
    bids = []
    for index, item in enumerate(raw):
        where = f"bids[{index}]"
        if not isinstance(item, Mapping):
            raise EvaluationInputError(where, f"{where} must be an object with a bidder, a price and scores")
        bidder = item.get("bidder")
        if not isinstance(bidder, str):
            raise EvaluationInputError(f"{where}.bidder", f"{where}.bidder is missing: give the bidder's name")
        price = item.get("price")
        eligible = item.get("eligible", True)
        if not isinstance(eligible, bool):
            raise EvaluationInputError(f"{where}.eligible", f"{where}.eligible must be true or false")
        order = item.get("order", 0)
        if isinstance(order, bool) or not isinstance(order, int):
            raise EvaluationInputError(f"{where}.order", f"{where}.order must be a whole number, not {order!r}")
        if "scores" in item and "evaluators" in item:
            raise EvaluationInputError(
                f"{where}.evaluators", f"{where} gives both scores and evaluators: give one of them"
            )
        if "evaluators" in item:
            sheets = item["evaluators"]
            if not isinstance(sheets, list) or not sheets:
                raise EvaluationInputError(
                    f"{where}.evaluators", f"{where}.evaluators must be a non-empty list of evaluators' scores"
                )
            for number, sheet in enumerate(sheets):
                _check_scores(
                    sheet, scheme, f"{where}.evaluators[{number}]", complete=eligible, missing_hint="give a score"
                )
            scores = _consensus(sheets, f"{where}.evaluators")
        else:
            scores = item.get("scores", {})
        bids.append(
            BidInput(
                bidder=bidder,
                price=None if price is None else _number(price, f"{where}.price"),
                scores=scores,
                eligible=eligible,
                order=order,
                bonus=_number(item.get("bonus", 0), f"{where}.bonus"),
            )
        )
    return scheme, tuple(bids)


def down_select(ranking: Ranking, keep: int) -> tuple[str, ...]:
    """The bidders a stage keeps for the next: the first `keep` of the ranking (disqualified bids never)."""
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise EvaluationInputError("keep", f"keep is {keep!r}: keep at least 1 supplier")
    return tuple(r.bidder for r in ranking.results if r.rank is not None)[:keep]


@dataclass(frozen=True)
class SwissOutcome:
    """What a Swiss challenge's ranking means for its proponent."""

    proponent_ranked_first: bool
    best_competitor: str | None  # the best-ranked bid that is not the proponent's
    may_match: bool  # the proponent may match the best competing offer (it is ranked, but not first)
    winner_if_not_matched: str | None


def swiss_outcome(ranking: Ranking, proponent: str) -> SwissOutcome:
    """With a match right, a proponent that is ranked but not first may match the best competing offer; if it
    does, it wins on the matched terms, otherwise the best competitor wins. A disqualified (or absent)
    proponent has no right to match. (With a bonus instead, the bonus is already in the ranking.)"""
    ranked = [r.bidder for r in ranking.results if r.rank is not None]
    competitors = [name for name in ranked if name != proponent]
    best = competitors[0] if competitors else None
    first = bool(ranked) and ranked[0] == proponent
    return SwissOutcome(
        proponent_ranked_first=first,
        best_competitor=best,
        may_match=proponent in ranked and not first,
        winner_if_not_matched=ranking.winner,
    )
