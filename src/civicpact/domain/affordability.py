"""Affordability, funding mix and the city's long-term commitments for a PPP business case.

Years are indexed 0..horizon-1 as in `finance` (year 0 = the first year of the case). Per year:
- payments: the city's payments to the partner plus its own costs of the PPP option (contract management,
  transaction); the gap is the departments' budget envelopes minus these payments (negative = unaffordable).
- funding: grants, user revenue and departmental budget arrive as lumps in their first year; a loan, bond or
  citizen investment (crowdfunding) is received in its first year, pays interest only through its grace years,
  then a level annuity over its tenor, cut at the horizon (what is left shows as debt outstanding); private
  capital is received in its first year and is paid its expected return (rate x amount) every later year.
- net fiscal cost = payments - grants - user revenue + debt service + private return - debt received
  - private capital received (departmental budget is the city's own money, so it does not reduce the cost).
- the long-term commitment is the undiscounted sum of the payments still to come; contingent liabilities are
  the guarantees' maxima (and probability-weighted maxima) in the years they are live.
`commitment_register` rolls many PPPs into one register by calendar year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from civicpact.domain.finance import FinanceInputError, annuity_payment, check_rate, discount_factors, npv, pad

FUNDING_KINDS = ("department_budget", "grant", "loan", "bond", "private_capital", "user_revenue", "crowdfunding")
DEBT_KINDS = ("loan", "bond", "crowdfunding")
RATE_KINDS = (*DEBT_KINDS, "private_capital")
RECURRING_KINDS = ("grant", "user_revenue", "department_budget")
MAX_HORIZON = 100
MAX_TENOR = 100
TOLERANCE = 0.005  # half a cent: a gap above -TOLERANCE is not a shortfall
FIRST_CALENDAR_YEAR = 1900
LAST_CALENDAR_YEAR = 2300
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FundingSource:
    kind: str  # one of FUNDING_KINDS
    name: str
    amount: float  # principal / total amount (>= 0)
    first_year: int = 0  # the year the money comes in
    rate: float = 0.0  # annual interest (loan, bond, crowdfunding) or the return private capital expects
    tenor: int = 0  # years of repayment for loan, bond and crowdfunding (>= 1 for those), 0 for the others
    grace: int = 0  # years after first_year before repayment starts (interest only meanwhile)
    last_year: int | None = None  # grant, user revenue, department budget: `amount` comes every year to this one

    def received(self, horizon: int) -> FloatArray:
        """What comes in each year: once in first_year, or every year from first_year to last_year."""
        out = np.zeros(horizon)
        last = self.first_year if self.last_year is None else self.last_year
        out[self.first_year : last + 1] = self.amount
        return out


@dataclass(frozen=True)
class Guarantee:
    """A contingent liability: the city may be called to pay up to `maximum` in any year it is live."""

    name: str
    maximum: float
    probability: float  # 0..1 chance per year of a call
    first_year: int
    last_year: int


@dataclass(frozen=True)
class AffordabilityCase:
    """Validated on construction: a bad value raises FinanceInputError naming its field (e.g. funding[2].rate)."""

    horizon: int
    discount_rate: float
    payments: tuple[float, ...]  # the city's annual payments to the partner (year 0 first)
    other_costs: tuple[float, ...] = ()  # the city's own costs in the PPP option (contract management, transaction)
    envelopes: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # department -> annual envelope
    funding: tuple[FundingSource, ...] = ()
    guarantees: tuple[Guarantee, ...] = ()

    def __post_init__(self) -> None:
        _check_case(self)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AffordabilityCase:
        horizon = _integer(data.get("horizon"), "horizon")
        if not 1 <= horizon <= MAX_HORIZON:
            raise FinanceInputError("horizon", f"horizon must be 1 to {MAX_HORIZON} years, not {horizon}")
        envelopes = _optional(data, "envelopes", {})
        if not isinstance(envelopes, Mapping):
            raise FinanceInputError("envelopes", "envelopes must map each department's name to its yearly budgets")
        funding = _optional(data, "funding", [])
        if not isinstance(funding, list | tuple):
            raise FinanceInputError("funding", "funding must be a list of funding sources")
        guarantees = _optional(data, "guarantees", [])
        if not isinstance(guarantees, list | tuple):
            raise FinanceInputError("guarantees", "guarantees must be a list of guarantees")
        return cls(
            horizon=horizon,
            discount_rate=_number(data.get("discount_rate"), "discount_rate"),
            payments=_flow(_optional(data, "payments", []), "payments"),
            other_costs=_flow(_optional(data, "other_costs", []), "other_costs"),
            envelopes={str(name): _flow(values, f"envelopes.{name}") for name, values in envelopes.items()},
            funding=tuple(_source(item, index) for index, item in enumerate(funding)),
            guarantees=tuple(_guarantee(item, index, horizon) for index, item in enumerate(guarantees)),
        )


def _label(kind: str) -> str:
    return kind.replace("_", " ")


# --- parsing (types) ---------------------------------------------------------------------------------------


def _optional(data: Mapping[str, Any], key: str, default: Any) -> Any:
    value = data.get(key)
    return default if value is None else value


def _number(value: Any, where: str, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if value is None:
        raise FinanceInputError(where, f"{where} is missing: give a number")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise FinanceInputError(where, f"{where} must be a number, not {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise FinanceInputError(where, f"{where} must be a finite number, not {value!r}")
    return number


def _integer(value: Any, where: str, default: int | None = None) -> int:
    number = _number(value, where, None if default is None else float(default))
    if not number.is_integer():
        raise FinanceInputError(where, f"{where} must be a whole number of years, not {value!r}")
    return int(number)


def _flow(values: Any, where: str) -> tuple[float, ...]:
    if not isinstance(values, list | tuple):
        raise FinanceInputError(where, f"{where} must be a list of yearly amounts, not {values!r}")
    out = []
    for year, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise FinanceInputError(where, f"{where}: year {year} is {value!r}; give a number for every year")
        out.append(float(value))
    return tuple(out)


def _object(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise FinanceInputError(where, f"{where} must be an object, not {data!r}")
    return data


def _source(data: Any, index: int) -> FundingSource:
    where = f"funding[{index}]"
    item = _object(data, where)
    kind = item.get("kind")
    if not isinstance(kind, str):
        raise FinanceInputError(f"{where}.kind", f"{where}.kind is missing: give one of {', '.join(FUNDING_KINDS)}")
    name = _optional(item, "name", f"{_label(kind)} {index + 1}")
    if not isinstance(name, str):
        raise FinanceInputError(f"{where}.name", f"{where}.name must be text, not {name!r}")
    return FundingSource(
        kind=kind,
        name=name,
        amount=_number(item.get("amount"), f"{where}.amount"),
        first_year=_integer(item.get("first_year"), f"{where}.first_year", 0),
        rate=_number(item.get("rate"), f"{where}.rate", 0.0),
        tenor=_integer(item.get("tenor"), f"{where}.tenor", 0),
        grace=_integer(item.get("grace"), f"{where}.grace", 0),
        last_year=None if item.get("last_year") is None else _integer(item.get("last_year"), f"{where}.last_year"),
    )


def _guarantee(data: Any, index: int, horizon: int) -> Guarantee:
    """first_year defaults to 0 and last_year to the end of the horizon (a guarantee for the whole contract)."""
    where = f"guarantees[{index}]"
    item = _object(data, where)
    name = _optional(item, "name", f"guarantee {index + 1}")
    if not isinstance(name, str):
        raise FinanceInputError(f"{where}.name", f"{where}.name must be text, not {name!r}")
    return Guarantee(
        name=name,
        maximum=_number(item.get("maximum"), f"{where}.maximum"),
        probability=_number(item.get("probability"), f"{where}.probability"),
        first_year=_integer(item.get("first_year"), f"{where}.first_year", 0),
        last_year=_integer(item.get("last_year"), f"{where}.last_year", horizon - 1),
    )


# --- validation (values) -----------------------------------------------------------------------------------


def _check_case(case: AffordabilityCase) -> None:
    horizon = case.horizon
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or not 1 <= horizon <= MAX_HORIZON:
        raise FinanceInputError("horizon", f"horizon must be 1 to {MAX_HORIZON} years, not {horizon!r}")
    check_rate(case.discount_rate)
    if len(case.payments) == 0:
        raise FinanceInputError("payments", "payments is empty: give the city's yearly payments to the partner")
    _check_flow(case.payments, "payments", horizon)
    _check_flow(case.other_costs, "other_costs", horizon)
    for name, values in case.envelopes.items():
        if not isinstance(name, str) or not name.strip():
            raise FinanceInputError("envelopes", f"envelopes: {name!r} is not a department name; name each budget")
        _check_flow(values, f"envelopes.{name}", horizon)
    for index, source in enumerate(case.funding):
        _check_source(source, f"funding[{index}]", horizon)
    for index, guarantee in enumerate(case.guarantees):
        _check_guarantee(guarantee, f"guarantees[{index}]", horizon)


def _check_flow(values: Sequence[float], where: str, horizon: int) -> None:
    if len(values) > horizon:
        raise FinanceInputError(
            where,
            f"{where} has {len(values)} years, more than the horizon of {horizon}; shorten it or lengthen the horizon",
        )
    array = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(array) | (array < 0))
    if bad.size:
        year = int(bad[0])
        raise FinanceInputError(
            where, f"{where}: year {year} is {float(array[year])!r}; enter amounts as finite numbers of zero or more"
        )


def _check_year(year: int, where: str, horizon: int) -> None:
    if not 0 <= year < horizon:
        raise FinanceInputError(where, f"{where} is {year}; it must lie within the horizon's years 0..{horizon - 1}")


def _check_source(source: FundingSource, where: str, horizon: int) -> None:
    if source.kind not in FUNDING_KINDS:
        raise FinanceInputError(
            f"{where}.kind", f"{where}.kind {source.kind!r} is not one of: {', '.join(FUNDING_KINDS)}"
        )
    label = source.kind.replace("_", " ")
    if not np.isfinite(source.amount) or source.amount < 0:
        raise FinanceInputError(f"{where}.amount", f"{where}.amount is {source.amount!r}; enter zero or more")
    _check_year(source.first_year, f"{where}.first_year", horizon)
    if source.last_year is not None:
        if source.kind not in RECURRING_KINDS:
            raise FinanceInputError(
                f"{where}.last_year",
                f"{where}.last_year is set, but a {label} comes once; only a grant, user revenue or department "
                "budget recurs: leave it empty",
            )
        _check_year(source.last_year, f"{where}.last_year", horizon)
        if source.last_year < source.first_year:
            raise FinanceInputError(
                f"{where}.last_year",
                f"{where}.last_year {source.last_year} is before first_year {source.first_year}; give years in order",
            )
    check_rate(source.rate, f"{where}.rate")
    if source.kind not in RATE_KINDS and source.rate != 0:
        raise FinanceInputError(
            f"{where}.rate", f"{where}.rate is {source.rate:.2%}, but a {label} carries no rate; set it to 0"
        )
    if source.kind in DEBT_KINDS:
        if not 1 <= source.tenor <= MAX_TENOR:
            raise FinanceInputError(
                f"{where}.tenor",
                f"{where}.tenor is {source.tenor}; a {label} needs a repayment tenor of 1 to {MAX_TENOR} years",
            )
        if not 0 <= source.grace <= MAX_TENOR:
            raise FinanceInputError(
                f"{where}.grace", f"{where}.grace is {source.grace}; give 0 to {MAX_TENOR} years of grace"
            )
    else:
        if source.tenor != 0:
            raise FinanceInputError(
                f"{where}.tenor", f"{where}.tenor is {source.tenor}, but a {label} is not repaid; set it to 0"
            )
        if source.grace != 0:
            raise FinanceInputError(
                f"{where}.grace", f"{where}.grace is {source.grace}, but a {label} is not repaid; set it to 0"
            )


def _check_guarantee(guarantee: Guarantee, where: str, horizon: int) -> None:
    if not np.isfinite(guarantee.maximum) or guarantee.maximum < 0:
        raise FinanceInputError(f"{where}.maximum", f"{where}.maximum is {guarantee.maximum!r}; enter zero or more")
    if not 0.0 <= guarantee.probability <= 1.0:
        raise FinanceInputError(
            f"{where}.probability",
            f"{where}.probability is {guarantee.probability!r}; give a yearly chance between 0 and 1",
        )
    _check_year(guarantee.first_year, f"{where}.first_year", horizon)
    _check_year(guarantee.last_year, f"{where}.last_year", horizon)
    if guarantee.last_year < guarantee.first_year:
        raise FinanceInputError(
            f"{where}.last_year",
            f"{where}.last_year {guarantee.last_year} is before first_year {guarantee.first_year}; give years in"
            " order",
        )


# --- computation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DebtSchedule:
    """One loan's, bond's or citizen investment's yearly flows over the horizon (year 0 first)."""

    received: tuple[float, ...]
    interest: tuple[float, ...]
    principal: tuple[float, ...]  # principal repaid in the year
    outstanding: tuple[float, ...]  # principal outstanding at year end

    @property
    def service(self) -> tuple[float, ...]:
        return tuple(i + p for i, p in zip(self.interest, self.principal, strict=True))


def _debt_arrays(source: FundingSource, horizon: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(received, interest, principal repaid, outstanding at year end), each of `horizon` years."""
    amount, rate, tenor = source.amount, source.rate, source.tenor
    t = np.arange(horizon)
    payment = annuity_payment(amount, rate, tenor)
    factors = discount_factors(tenor + 1, rate)  # (1 + rate) ** -k for k = 0..tenor
    paid = np.concatenate(([0.0], np.cumsum(factors[1:])))
    balance = (amount - payment * paid) / factors  # outstanding after k level payments
    balance[-1] = 0.0
    done = np.clip(t - source.first_year - source.grace, 0, tenor)  # level payments made by the end of year t
    outstanding = np.where(t >= source.first_year, balance[done], 0.0)
    received = np.where(t == source.first_year, amount, 0.0)
    opening = np.concatenate(([0.0], outstanding[:-1]))
    interest: FloatArray = rate * opening
    principal: FloatArray = opening + received - outstanding
    return received, interest, principal, outstanding


def debt_schedule(source: FundingSource, horizon: int) -> DebtSchedule:
    """The schedule of a loan, bond or crowdfunding source: received in first_year, interest only in the grace
    years, then a level annuity over the tenor, cut at the horizon."""
    if source.kind not in DEBT_KINDS:
        raise FinanceInputError("kind", f"kind {source.kind!r} is not debt; give one of {', '.join(DEBT_KINDS)}")
    if not 1 <= horizon <= MAX_HORIZON:
        raise FinanceInputError("horizon", f"horizon must be 1 to {MAX_HORIZON} years, not {horizon}")
    _check_source(source, "source", horizon)
    received, interest, principal, outstanding = _debt_arrays(source, horizon)
    return DebtSchedule(
        received=tuple(received.tolist()),
        interest=tuple(interest.tolist()),
        principal=tuple(principal.tolist()),
        outstanding=tuple(outstanding.tolist()),
    )


def _contingent(guarantees: Sequence[Guarantee], horizon: int) -> tuple[FloatArray, FloatArray]:
    """(maximum, expected) calls per year: each guarantee counts in the years it is live."""
    t = np.arange(horizon)
    first = np.array([g.first_year for g in guarantees], dtype=np.int64)
    last = np.array([g.last_year for g in guarantees], dtype=np.int64)
    maxima = np.array([g.maximum for g in guarantees], dtype=np.float64)
    chances = np.array([g.probability for g in guarantees], dtype=np.float64)
    live = (t[None, :] >= first[:, None]) & (t[None, :] <= last[:, None])
    maximum: FloatArray = (live * maxima[:, None]).sum(axis=0)
    expected: FloatArray = (live * (maxima * chances)[:, None]).sum(axis=0)
    return maximum, expected


def _lumps(funding: Sequence[FundingSource], kinds: Sequence[str], horizon: int) -> FloatArray:
    """What sources of the given kinds bring in each year (once, or every year to their last year)."""
    out = np.zeros(horizon)
    for source in funding:
        if source.kind in kinds:
            out += source.received(horizon)
    return out


def _payments(case: AffordabilityCase) -> FloatArray:
    total: FloatArray = pad(case.payments, case.horizon) + pad(case.other_costs, case.horizon)
    return total


@dataclass(frozen=True)
class YearRow:
    year: int
    payments: float  # payments to the partner + the city's other costs of the PPP option
    envelope: float  # sum of the departments' envelopes
    gap: float  # envelope - net fiscal cost (negative = unaffordable)
    grants: float
    user_revenue: float
    department_budget: float
    debt_in: float  # loan, bond and crowdfunding principal received
    debt_service: float  # interest + principal repaid
    private_capital_in: float
    private_return: float  # return paid to private capital
    net_fiscal_cost: float
    debt_outstanding: float  # principal outstanding at year end
    commitment_remaining: float  # undiscounted payments from next year to the end of the horizon
    contingent_expected: float  # sum over live guarantees of probability x maximum
    contingent_maximum: float  # sum of live guarantees' maxima


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class AffordabilityResult:
    rows: tuple[YearRow, ...]
    affordable: bool  # no year with gap < -TOLERANCE
    first_shortfall_year: int | None
    largest_shortfall: float  # the most negative gap as a positive number (0 if none)
    pv_payments: float
    pv_net_fiscal_cost: float
    funding_mix: tuple[tuple[str, float], ...]  # (kind, share of the total funding amount), largest first
    total_commitment: float  # undiscounted sum of all payments
    contingent_maximum_peak: float

    def summary(self, first_calendar_year: int | None = None) -> str:
        """One paragraph from the numbers; years as calendar years when the case's year 0 is given."""

        def when(year: int) -> str:
            return f"year {year}" if first_calendar_year is None else str(first_calendar_year + year)

        rows = self.rows
        horizon = len(rows)
        text = [
            f"Over {horizon} year{'s' if horizon != 1 else ''}, the partnership commits the city to payments of "
            f"{self.total_commitment:,.0f} ({self.pv_payments:,.0f} in present value)."
        ]
        shortfalls = [r for r in rows if r.gap < -TOLERANCE]
        if shortfalls and not any(r.envelope for r in rows):
            text.append("No budget envelope has been set against them, so none of them is yet affordable.")
        elif not shortfalls:
            tightest = min(rows, key=lambda r: r.gap)
            text.append(
                f"After grants, user revenue and financing, the departments' budget envelopes cover the net cost in "
                f"every year; the tightest is {when(tightest.year)}, with {tightest.gap:,.0f} to spare."
            )
        else:
            worst = min(shortfalls, key=lambda r: r.gap)
            text.append(
                f"After grants, user revenue and financing, the net cost exceeds the departments' budget envelopes "
                f"in {len(shortfalls)} of {horizon} years, first in {when(self.first_shortfall_year or 0)}; the "
                f"largest shortfall is {self.largest_shortfall:,.0f}, in {when(worst.year)}."
            )
        if self.funding_mix:
            shares = [f"{share:.0%} {_label(kind)}" for kind, share in self.funding_mix]
            text.append(f"The funding is {_join(shares)}.")
        text.append(
            f"After grants, user revenue and financing, the net fiscal cost is {self.pv_net_fiscal_cost:,.0f} in "
            "present value."
        )
        peak = max(rows, key=lambda r: r.debt_outstanding)
        if peak.debt_outstanding > TOLERANCE:
            left = rows[-1].debt_outstanding
            tail = f", and {left:,.0f} is still owed at the end of the horizon" if left > TOLERANCE else ""
            text.append(f"Borrowing peaks at {peak.debt_outstanding:,.0f} outstanding in {when(peak.year)}{tail}.")
        if self.contingent_maximum_peak > TOLERANCE:
            expected = sum(r.contingent_expected for r in rows)
            text.append(
                f"Guarantees could call up to {self.contingent_maximum_peak:,.0f} in a single year; the expected "
                f"calls total {expected:,.0f} over the horizon (undiscounted)."
            )
        else:
            text.append("The city gives no guarantees, so the project adds no contingent liability.")
        return " ".join(text)


def affordability(case: AffordabilityCase) -> AffordabilityResult:
    horizon = case.horizon
    t = np.arange(horizon)
    payments = _payments(case)
    envelope = np.zeros(horizon)
    for values in case.envelopes.values():
        envelope += pad(values, horizon)
    grants = _lumps(case.funding, ("grant",), horizon)
    user_revenue = _lumps(case.funding, ("user_revenue",), horizon)
    department_budget = _lumps(case.funding, ("department_budget",), horizon)
    private_in = _lumps(case.funding, ("private_capital",), horizon)
    private = [s for s in case.funding if s.kind == "private_capital"]
    private_first = np.array([s.first_year for s in private], dtype=np.int64)
    private_due = np.array([s.rate * s.amount for s in private], dtype=np.float64)
    private_return = ((t[None, :] > private_first[:, None]) * private_due[:, None]).sum(axis=0)

    debt_in, debt_service, debt_outstanding = np.zeros(horizon), np.zeros(horizon), np.zeros(horizon)
    for source in case.funding:
        if source.kind in DEBT_KINDS:
            received, interest, principal, outstanding = _debt_arrays(source, horizon)
            debt_in += received
            debt_service += interest + principal
            debt_outstanding += outstanding

    net = payments - grants - user_revenue + debt_service + private_return - debt_in - private_in
    gap = envelope - net  # the departments' envelopes pay what grants, revenue and financing leave
    still_to_pay = np.cumsum(payments[::-1])[::-1]  # payments from year t to the end
    remaining = np.concatenate((still_to_pay[1:], [0.0]))
    contingent_maximum, contingent_expected = _contingent(case.guarantees, horizon)

    columns = np.stack(
        [
            payments,
            envelope,
            gap,
            grants,
            user_revenue,
            department_budget,
            debt_in,
            debt_service,
            private_in,
            private_return,
            net,
            debt_outstanding,
            remaining,
            contingent_expected,
            contingent_maximum,
        ],
        axis=1,
    ).tolist()
    rows = tuple(YearRow(year, *values) for year, values in enumerate(columns))

    short = np.flatnonzero(gap < -TOLERANCE)
    totals = {
        kind: sum(float(s.received(horizon).sum()) for s in case.funding if s.kind == kind) for kind in FUNDING_KINDS
    }
    funded = sum(totals.values())
    mix = sorted(((k, v / funded) for k, v in totals.items() if v > 0), key=lambda kv: -kv[1]) if funded > 0 else []
    return AffordabilityResult(
        rows=rows,
        affordable=short.size == 0,
        first_shortfall_year=int(short[0]) if short.size else None,
        largest_shortfall=float(-gap[short].min()) if short.size else 0.0,
        pv_payments=npv(payments, case.discount_rate),
        pv_net_fiscal_cost=npv(net, case.discount_rate),
        funding_mix=tuple(mix),
        total_commitment=float(payments.sum()),
        contingent_maximum_peak=float(contingent_maximum.max()),
    )


# --- the city's register of commitments --------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentLine:
    project: str
    first_calendar_year: int  # the calendar year of the case's year 0
    payments: tuple[float, ...]
    contingent_maximum: tuple[float, ...]
    contingent_expected: tuple[float, ...]

    @classmethod
    def from_case(cls, project: str, first_calendar_year: int, case: AffordabilityCase) -> CommitmentLine:
        """A project's line: its payments (as in YearRow.payments) and its guarantees, year by year."""
        maximum, expected = _contingent(case.guarantees, case.horizon)
        return cls(
            project=project,
            first_calendar_year=first_calendar_year,
            payments=tuple(_payments(case).tolist()),
            contingent_maximum=tuple(maximum.tolist()),
            contingent_expected=tuple(expected.tolist()),
        )


@dataclass(frozen=True)
class CommitmentRegister:
    years: tuple[int, ...]  # calendar years covered, ascending
    by_project: tuple[tuple[str, tuple[float, ...]], ...]  # payments aligned to `years`
    total_payments: tuple[float, ...]
    total_contingent_maximum: tuple[float, ...]
    total_contingent_expected: tuple[float, ...]
    grand_total: float  # sum of total_payments


def _check_line(line: CommitmentLine, where: str) -> None:
    year = line.first_calendar_year
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise FinanceInputError(f"{where}.first_calendar_year", f"{where}.first_calendar_year must be a year")
    if not FIRST_CALENDAR_YEAR <= year <= LAST_CALENDAR_YEAR:
        raise FinanceInputError(
            f"{where}.first_calendar_year",
            f"{where}.first_calendar_year is {year}; give a calendar year from {FIRST_CALENDAR_YEAR} to "
            f"{LAST_CALENDAR_YEAR}",
        )
    for name in ("payments", "contingent_maximum", "contingent_expected"):
        _check_flow(getattr(line, name), f"{where}.{name}", MAX_HORIZON)


def _aligned(series: Sequence[Sequence[float]], offsets: NDArray[np.int64], width: int) -> FloatArray:
    """One row per project, its values shifted right by its offset into `width` columns (zeros elsewhere)."""
    lengths = np.array([len(s) for s in series], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    rows = np.repeat(np.arange(len(series)), lengths)
    cols = np.arange(int(lengths.sum())) - np.repeat(starts, lengths) + np.repeat(offsets, lengths)
    out = np.zeros((len(series), width))
    out[rows, cols] = np.concatenate([np.asarray(s, dtype=np.float64) for s in series])
    return out


def commitment_register(lines: Sequence[CommitmentLine], *, from_year: int | None = None) -> CommitmentRegister:
    """All the city's PPPs in one register of payment commitments and contingent liabilities by calendar year
    (each project's year 0 aligned to its first calendar year); from_year drops the years before it."""
    for index, line in enumerate(lines):
        _check_line(line, f"lines[{index}]")
    if from_year is not None and (isinstance(from_year, bool) or not isinstance(from_year, int | np.integer)):
        raise FinanceInputError("from_year", f"from_year must be a calendar year, not {from_year!r}")
    spans = [max(len(x.payments), len(x.contingent_maximum), len(x.contingent_expected)) for x in lines]
    if not lines or max(spans) == 0:
        empty: tuple[float, ...] = ()
        return CommitmentRegister((), tuple((x.project, empty) for x in lines), (), (), (), 0.0)
    firsts = np.array([x.first_calendar_year for x in lines], dtype=np.int64)
    first = int(firsts.min())
    last = max(int(f) + s - 1 for f, s in zip(firsts, spans, strict=True) if s)
    years = np.arange(first, last + 1)
    offsets = firsts - first
    payments = _aligned([x.payments for x in lines], offsets, years.size)
    maximum = _aligned([x.contingent_maximum for x in lines], offsets, years.size).sum(axis=0)
    expected = _aligned([x.contingent_expected for x in lines], offsets, years.size).sum(axis=0)
    keep = years >= (first if from_year is None else from_year)
    payments = payments[:, keep]
    totals = payments.sum(axis=0)
    return CommitmentRegister(
        years=tuple(int(y) for y in years[keep]),
        by_project=tuple((x.project, tuple(row)) for x, row in zip(lines, payments.tolist(), strict=True)),
        total_payments=tuple(totals.tolist()),
        total_contingent_maximum=tuple(maximum[keep].tolist()),
        total_contingent_expected=tuple(expected[keep].tolist()),
        grand_total=float(totals.sum()),
    )


def case_from_business_case(inputs: Mapping[str, Any]) -> AffordabilityCase:
    """The affordability case of a business case (a vfm case file): the PPP option's payments to the partner and
    the city's own contract-management and transaction costs, against its `affordability` block's envelopes,
    funding and guarantees."""
    horizon = _integer(inputs.get("horizon"), "horizon")
    block = _object(_optional(inputs, "affordability", {}), "affordability")
    own = pad(_flow(_optional(inputs, "contract_management", []), "contract_management"), max(horizon, 0))
    own = own + pad(_flow(_optional(inputs, "transaction_costs", []), "transaction_costs"), max(horizon, 0))
    return AffordabilityCase.from_mapping(
        {
            "horizon": horizon,
            "discount_rate": inputs.get("discount_rate"),
            "payments": _optional(inputs, "ppp_payments", []),
            "other_costs": own.tolist(),
            "envelopes": _optional(block, "envelopes", {}),
            "funding": _optional(block, "funding", []),
            "guarantees": _optional(block, "guarantees", []),
        }
    )
