"""The finance core: discounting, NPV, IRR, benefit-cost ratio, payback and annuity sizing.

Conventions (used everywhere in CivicPact):
- A cash-flow array is indexed by year: index 0 is year 0 (today), index t is year t.
- End-year convention (default): a year-t amount is discounted by (1 + r) ** -t, so year 0 is not discounted.
- Mid-year convention: amounts of years t >= 1 fall mid-year and are discounted by (1 + r) ** -(t - 0.5).
- Rates are real unless a flow is explicitly nominal; `to_real` removes an inflation index.
Floats are used for computation; reported money goes through `domain.money.to_cents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_RATE = 0.5
FloatArray = NDArray[np.float64]


class FinanceInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_rate(rate: float, field: str = "discount_rate") -> None:
    if not np.isfinite(rate) or rate <= -1:
        raise FinanceInputError(field, f"{field} must be above -100%, not {rate:.2%}")
    if rate > MAX_RATE:
        raise FinanceInputError(field, f"{field} of {rate:.2%} is absurd; use a rate of at most 50%")


def discount_factors(years: int, rate: float, *, mid_year: bool = False) -> FloatArray:
    """Factors for years 0..years-1 under the chosen convention."""
    check_rate(rate)
    t = np.arange(years, dtype=np.float64)
    if mid_year:
        t = np.where(t >= 1, t - 0.5, 0.0)
    factors: FloatArray = (1.0 + rate) ** -t
    return factors


def npv(flows: ArrayLike, rate: float, *, mid_year: bool = False) -> float:
    values = np.asarray(flows, dtype=np.float64)
    if values.size == 0:
        raise FinanceInputError("cash_flows", "cash_flows is empty: give at least one year")
    return float(values @ discount_factors(values.size, rate, mid_year=mid_year))


def to_real(nominal: ArrayLike, inflation: float) -> FloatArray:
    """Remove a constant annual inflation index (year 0 = base prices)."""
    values = np.asarray(nominal, dtype=np.float64)
    real: FloatArray = values / (1.0 + inflation) ** np.arange(values.size)
    return real


def to_nominal(real: ArrayLike, inflation: float) -> FloatArray:
    values = np.asarray(real, dtype=np.float64)
    nominal: FloatArray = values * (1.0 + inflation) ** np.arange(values.size)
    return nominal


@dataclass(frozen=True)
class IrrResult:
    """'one' with its value; 'none' when no rate above -100% zeroes the NPV; 'several' with every root."""

    kind: Literal["one", "none", "several"]
    value: float | None
    roots: tuple[float, ...]

    def describe(self) -> str:
        if self.kind == "one" and self.value is not None:
            return f"{self.value:.2%}"
        if self.kind == "none":
            return "no IRR (the NPV never crosses zero)"
        return "several IRRs: " + ", ".join(f"{r:.2%}" for r in self.roots)


def irr(flows: ArrayLike) -> IrrResult:
    """All real rates above -100% at which the NPV is zero, from the roots of the NPV polynomial."""
    values = np.trim_zeros(np.asarray(flows, dtype=np.float64), "b")
    if values.size < 2 or np.all(values >= 0) or np.all(values <= 0):
        return IrrResult("none", None, ())
    # NPV(r) = sum c_t x^t with x = 1 / (1 + r); numpy.roots wants the highest power first
    roots = np.roots(values[::-1])
    real = roots[np.abs(roots.imag) < 1e-9].real
    rates = sorted({round(float(1.0 / x - 1.0), 12) for x in real if x > 0})
    if not rates:
        return IrrResult("none", None, ())
    if len(rates) > 1:
        return IrrResult("several", None, tuple(rates))
    return IrrResult("one", rates[0], (rates[0],))


def benefit_cost_ratio(benefits: ArrayLike, costs: ArrayLike, rate: float, *, mid_year: bool = False) -> float:
    cost = npv(costs, rate, mid_year=mid_year)
    if cost <= 0:
        raise FinanceInputError("costs", "the present value of costs must be above zero for a benefit-cost ratio")
    return npv(benefits, rate, mid_year=mid_year) / cost


def payback_years(flows: ArrayLike, rate: float | None = None, *, mid_year: bool = False) -> float | None:
    """Years until the cumulative (discounted, if a rate is given) flow turns non-negative, interpolated within
    the year; None if it never does."""
    values = np.asarray(flows, dtype=np.float64)
    if rate is not None:
        values = values * discount_factors(values.size, rate, mid_year=mid_year)
    cumulative = np.cumsum(values)
    if cumulative[0] >= 0:
        return 0.0
    crossing = np.flatnonzero(cumulative >= 0)
    if crossing.size == 0:
        return None
    year = int(crossing[0])
    before = cumulative[year - 1]
    return float(year - 1 + (-before) / values[year])


def annuity_payment(
    present_value: float, rate: float, years: int, *, first_year: int = 1, mid_year: bool = False
) -> float:
    """The level annual payment over `years` years from `first_year` whose present value is `present_value`
    (e.g. sizing an availability payment to a target NPV)."""
    if years < 1:
        raise FinanceInputError("years", "years must be at least 1")
    factors = discount_factors(first_year + years, rate, mid_year=mid_year)[first_year:]
    return present_value / float(factors.sum())


def pad(values: Sequence[float] | ArrayLike, years: int) -> FloatArray:
    """A flow as an array of exactly `years` entries (missing years are zero)."""
    array = np.zeros(years, dtype=np.float64)
    given = np.asarray(values, dtype=np.float64)[:years]
    array[: given.size] = given
    return array
