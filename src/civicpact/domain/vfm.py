"""Value for money by Monte Carlo: the public sector comparator (PSC) against the PPP, risk-adjusted.

PSC = raw cost + competitive-neutrality adjustment + all quantified risk (transferable and retained).
PPP = payments to the partner + retained risk + contract-management and transaction costs.
Both in present value at the same rate over the same horizon, drawn with common random numbers: every
iteration's risk events are the same for both options, so their difference is not blurred by noise.
Percentiles and the probability that the PPP costs less are taken on each iteration's totals and on the
per-iteration difference PSC - PPP, never by subtracting percentiles.

The simulation is vectorised over iterations and runs in fixed chunks of CHUNK iterations, each drawing from
its own child of the seed's SeedSequence, so memory stays bounded and the chunks can run on worker threads
(NumPy releases the GIL while it fills arrays) with a result that does not depend on the number of threads.
A once-off risk is one Bernoulli trial, in a year drawn from its range; a recurring risk draws its number of
occurrences in the year range from a binomial, by looking up a uniform in the binomial CDF table (computed
once per risk), then one impact and one year per occurrence. Independent risks use independent uniforms; with
a correlation, a Gaussian copula gives each iteration correlated uniforms for all risks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from civicpact.domain.finance import FinanceInputError, check_rate, discount_factors, npv, pad

MAX_ITERATIONS = 5_000_000
MAX_HORIZON = 100
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SimRisk:
    name: str
    probability: float
    low: float
    mode: float
    high: float
    share_transferred: float
    first_year: int
    last_year: int
    once: bool = True
    pert: bool = False

    def mean_impact(self) -> float:
        if self.pert:
            return (self.low + 4 * self.mode + self.high) / 6
        return (self.low + self.mode + self.high) / 3


@dataclass(frozen=True)
class VfmCase:
    horizon: int
    discount_rate: float
    psc_capex: tuple[float, ...]
    psc_opex: tuple[float, ...]
    ppp_payments: tuple[float, ...]
    competitive_neutrality: tuple[float, ...] = ()
    contract_management: tuple[float, ...] = ()
    transaction_costs: tuple[float, ...] = ()
    risks: tuple[SimRisk, ...] = ()
    mid_year: bool = False
    correlation: float = 0.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> VfmCase:
        def number(key: str, default: float | None = None) -> float:
            value = data.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FinanceInputError(key, f"{key} must be a number")
            return float(value)

        horizon = int(number("horizon"))
        if not 1 <= horizon <= MAX_HORIZON:
            raise FinanceInputError("horizon", f"horizon must be 1 to {MAX_HORIZON} years, not {horizon}")
        rate = number("discount_rate")
        check_rate(rate)
        correlation = number("correlation", 0.0)
        if not 0.0 <= correlation < 1.0:
            raise FinanceInputError("correlation", "correlation must be from 0 up to (not including) 1")
        flows = {}
        for key in (
            "psc_capex",
            "psc_opex",
            "ppp_payments",
            "competitive_neutrality",
            "contract_management",
            "transaction_costs",
        ):
            values = data.get(key, [])
            if not isinstance(values, list) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values
            ):
                raise FinanceInputError(key, f"{key} must be a list of yearly amounts")
            if len(values) > horizon:
                raise FinanceInputError(key, f"{key} has {len(values)} years, more than the horizon of {horizon}")
            flows[key] = tuple(float(v) for v in values)
        if not any(flows[k] for k in ("psc_capex", "psc_opex")):
            raise FinanceInputError(
                "psc_capex", "the public sector comparator has no costs: give psc_capex or psc_opex"
            )
        if not flows["ppp_payments"]:
            raise FinanceInputError("ppp_payments", "ppp_payments is empty: give the payments to the partner")
        risks = tuple(_risk(r, i, horizon) for i, r in enumerate(data.get("risks", [])))
        return cls(
            horizon=horizon,
            discount_rate=rate,
            mid_year=bool(data.get("mid_year", False)),
            correlation=correlation,
            risks=risks,
            **flows,
        )


def _risk(data: Any, index: int, horizon: int) -> SimRisk:
    where = f"risks[{index}]"
    if not isinstance(data, Mapping):
        raise FinanceInputError(where, f"{where} must be an object")
    try:
        risk = SimRisk(
            name=str(data.get("name", f"risk {index + 1}")),
            probability=float(data["probability"]),
            low=float(data["min"]),
            mode=float(data["most_likely"]),
            high=float(data["max"]),
            share_transferred=float(data.get("share_transferred", 0.0)),
            first_year=int(data.get("first_year", 1)),
            last_year=int(data.get("last_year", data.get("first_year", 1))),
            once=bool(data.get("once", True)),
            pert=data.get("distribution", "triangular") == "pert",
        )
    except KeyError as exc:
        raise FinanceInputError(f"{where}.{exc.args[0]}", f"{where}.{exc.args[0]} is missing") from None
    except (TypeError, ValueError):
        raise FinanceInputError(where, f"{where}: probability, min, most_likely and max must be numbers") from None
    if not 0.0 <= risk.probability <= 1.0:
        raise FinanceInputError(f"{where}.probability", f"{where}.probability must be between 0 and 1")
    if risk.low < 0 or risk.low > risk.mode:
        raise FinanceInputError(f"{where}.min", f"{where}.min must be at least 0 and not above most_likely")
    if risk.mode > risk.high:
        raise FinanceInputError(f"{where}.max", f"{where}.max must not be below most_likely")
    if not 0.0 <= risk.share_transferred <= 1.0:
        raise FinanceInputError(f"{where}.share_transferred", f"{where}.share_transferred must be between 0 and 1")
    if not 0 <= risk.first_year <= risk.last_year < horizon:
        raise FinanceInputError(f"{where}.first_year", f"{where}: years must lie within 0..{horizon - 1}, in order")
    return risk


@dataclass(frozen=True)
class Summary:
    mean: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: FloatArray) -> Summary:
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        return cls(float(values.mean()), float(p10), float(p50), float(p90))


@dataclass(frozen=True)
class VfmResult:
    iterations: int
    seed: int
    numpy_version: str
    psc_base: float
    ppp_base: float
    psc: Summary
    ppp: Summary
    vfm: Summary  # PSC - PPP per iteration: positive means the PPP is cheaper
    probability_ppp_cheaper: float
    vfm_percent_of_psc: float
    histogram: Mapping[str, list[float]]
    tornado: tuple[tuple[str, float, float], ...]

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("psc", "ppp", "vfm", "tornado")}
        for key in ("psc", "ppp", "vfm"):
            out[key] = dict(getattr(self, key).__dict__)
        out["tornado"] = [{"driver": d, "low": lo, "high": hi} for d, lo, hi in self.tornado]
        return out


def base_costs(
    case: VfmCase, *, rate: float | None = None, scale: Mapping[str, float] | None = None
) -> tuple[float, float]:
    """Present values of the PSC and PPP without risk."""
    r = case.discount_rate if rate is None else rate
    s = scale or {}
    years = case.horizon

    def pv(key: str) -> float:
        return npv(pad(getattr(case, key), years) * s.get(key, 1.0), r, mid_year=case.mid_year)

    psc = pv("psc_capex") + pv("psc_opex") + pv("competitive_neutrality")
    ppp = pv("ppp_payments") + pv("contract_management") + pv("transaction_costs")
    return psc, ppp


def expected_risk_pv(
    case: VfmCase, *, rate: float | None = None, impact_scale: Mapping[str, float] | None = None
) -> tuple[float, float]:
    """Analytic expected present value of (all risk, retained risk): what the simulation's means converge to."""
    factors = discount_factors(case.horizon, case.discount_rate if rate is None else rate, mid_year=case.mid_year)
    total = retained = 0.0
    for risk in case.risks:
        scale = (impact_scale or {}).get(risk.name, 1.0)
        years = factors[risk.first_year : risk.last_year + 1]
        weight = years.mean() if risk.once else years.sum()
        value = risk.probability * risk.mean_impact() * scale * float(weight)
        total += value
        retained += value * (1.0 - risk.share_transferred)
    return total, retained


def _impacts(rng: np.random.Generator, risk: SimRisk, size: int) -> FloatArray:
    """`size` impacts of one risk: triangular, or PERT (a beta scaled to low..high)."""
    if risk.high == risk.low:
        return np.full(size, risk.low)
    if risk.pert:
        span = risk.high - risk.low
        alpha = 1 + 4 * (risk.mode - risk.low) / span
        beta = 1 + 4 * (risk.high - risk.mode) / span
        draws: FloatArray = rng.beta(alpha, beta, size)
        draws *= span
        draws += risk.low
        return draws
    tri: FloatArray = rng.triangular(risk.low, risk.mode, risk.high, size)
    return tri


def binomial_cdf_table(n: int, p: float) -> FloatArray:
    """P(X <= k) for k = 0..n, X ~ Binomial(n, p): computed once per risk, then inverted by lookup."""
    from scipy.stats import binom

    table: FloatArray = np.asarray(binom.cdf(np.arange(n + 1), n, p), dtype=np.float64)
    return table


_COMPARE_PASSES = 16  # up to this many table entries below the largest uniform, compare-and-count beats a search


def binomial_from_uniform(u: FloatArray, table: FloatArray) -> NDArray[np.intp]:
    """Binomial counts by inverting the CDF `table` (from `binomial_cdf_table`) at the uniforms `u`.

    The count for u is the smallest k with P(X <= k) >= u: the definition `scipy.stats.binom.ppf` follows,
    and its result for 0 < u < 1 (ppf's special cases differ: it maps u = 0 to -1 where this gives 0, and
    u = 1 to n even when p = 0, where this gives the first k whose CDF is 1, so a risk of probability 0
    never strikes). It is the number of table entries below u: counted by a few vectorised comparisons
    when the counts are small, by a binary search otherwise.
    """
    n = table.size - 1
    top = float(u.max(initial=0.0))
    passes = int(np.searchsorted(table, top, side="left"))
    if passes <= _COMPARE_PASSES:
        counts = np.zeros(u.size, dtype=np.intp)
        below = np.empty(u.size, dtype=np.bool_)
        for k in range(passes):
            np.less(table[k], u, out=below)
            counts += below
    else:
        counts = np.searchsorted(table, u, side="left")
    np.minimum(counts, n, out=counts)
    return counts


def _correlated_uniforms(rng: np.random.Generator, k: int, size: int, rho: float) -> FloatArray:
    """k uniforms per iteration; with rho > 0 a Gaussian copula with equal pairwise correlation rho."""
    if k == 0:
        return np.zeros((0, size))
    if rho <= 0:
        uniforms: FloatArray = rng.random((k, size))
        return uniforms
    from scipy.special import ndtr

    common = rng.standard_normal(size)
    normals: FloatArray = rng.standard_normal((k, size))
    normals *= np.sqrt(1.0 - rho)
    normals += np.sqrt(rho) * common
    ndtr(normals, out=normals)
    return normals


@dataclass(frozen=True)
class _Plan:
    """What every chunk needs about one risk, computed once per simulation and shared read-only by threads."""

    risk: SimRisk
    span: int
    keep: float  # the share the public sector retains
    year_factors: FloatArray  # discount factors of the risk's years
    table: FloatArray | None  # binomial CDF over 0..span, for a recurring risk


def _plans(case: VfmCase, factors: FloatArray) -> tuple[_Plan, ...]:
    plans = []
    for risk in case.risks:
        span = risk.last_year - risk.first_year + 1
        plans.append(
            _Plan(
                risk=risk,
                span=span,
                keep=1.0 - risk.share_transferred,
                year_factors=factors[risk.first_year : risk.last_year + 1].copy(),
                table=None if risk.once else binomial_cdf_table(span, risk.probability),
            )
        )
    return tuple(plans)


def _chunk_risk_pv(
    seed: np.random.SeedSequence,
    plans: Sequence[_Plan],
    correlation: float,
    total: FloatArray,
    retained: FloatArray,
) -> int:
    """Fill `total` and `retained` (one chunk's slices) with each iteration's risk PV, from this chunk's stream."""
    rng = np.random.default_rng(seed)
    size = total.size
    total.fill(0.0)
    retained.fill(0.0)
    copula = _correlated_uniforms(rng, len(plans), size, correlation) if correlation > 0 else None
    own = np.empty(size)
    iteration = np.arange(size)
    for index, plan in enumerate(plans):
        risk = plan.risk
        u = copula[index] if copula is not None else rng.random(size, out=own)
        if plan.table is None:  # once-off: one Bernoulli trial, in a year drawn from the range
            hit = np.flatnonzero(u < risk.probability)
            if not hit.size:
                continue
            value = _impacts(rng, risk, hit.size)
            if plan.span > 1:
                value *= plan.year_factors[rng.integers(0, plan.span, hit.size, dtype=np.int32)]
            else:
                value *= plan.year_factors[0]
            total[hit] += value
            if plan.keep:
                retained[hit] += plan.keep * value
        else:  # recurring: a binomial number of occurrences, each with its own impact and year
            counts = binomial_from_uniform(u, plan.table)
            occurrences = int(counts.sum())
            if not occurrences:
                continue
            value = _impacts(rng, risk, occurrences)
            value *= plan.year_factors[rng.integers(0, plan.span, occurrences, dtype=np.int32)]
            sums = np.bincount(np.repeat(iteration, counts), weights=value, minlength=size)
            per_iteration = np.asarray(sums, dtype=np.float64)  # already float64 (weighted): no copy
            total += per_iteration
            if plan.keep:
                per_iteration *= plan.keep
                retained += per_iteration
    return size


Progress = Callable[[int, int], None]


CHUNK = 100_000  # fixed, so that a seed gives the same draws whatever the machine
MAX_WORKERS = 4


def default_workers() -> int:
    """Threads for the chunks: the CPUs this process may use, at most MAX_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus))


def simulate(
    case: VfmCase, *, iterations: int, seed: int, progress: Progress | None = None, workers: int | None = None
) -> VfmResult:
    """Run the Monte Carlo. Chunk n of CHUNK iterations always draws from the n-th child of SeedSequence(seed)
    and writes only its own slice, so the result is bit-identical whatever the number of worker threads
    (NumPy's generators release the GIL while they fill arrays, so the threads do run in parallel).
    `progress(done, total)` is called from the calling thread as chunks finish, with a rising count."""
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise FinanceInputError("iterations", f"iterations must be 1 to {MAX_ITERATIONS:,}, not {iterations:,}")
    chunks = (iterations + CHUNK - 1) // CHUNK
    streams = np.random.SeedSequence(seed).spawn(chunks)
    factors = discount_factors(case.horizon, case.discount_rate, mid_year=case.mid_year)
    psc_base, ppp_base = base_costs(case)
    plans = _plans(case, factors)
    psc = np.empty(iterations)  # risk PV first, the base cost added at the end
    ppp = np.empty(iterations)
    jobs = [
        (streams[number], psc[start : start + CHUNK], ppp[start : start + CHUNK])
        for number, start in enumerate(range(0, iterations, CHUNK))
    ]
    threads = min(chunks, default_workers() if workers is None else max(1, workers))
    done = 0
    if threads == 1:
        for stream, total, retained in jobs:
            done += _chunk_risk_pv(stream, plans, case.correlation, total, retained)
            if progress is not None:
                progress(done, iterations)
    else:
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vfm")
        try:
            futures = [pool.submit(_chunk_risk_pv, s, plans, case.correlation, t, r) for s, t, r in jobs]
            for future in as_completed(futures):
                done += future.result()
                if progress is not None:
                    progress(done, iterations)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    psc += psc_base
    ppp += ppp_base
    difference = psc - ppp
    bounds = (min(float(psc.min()), float(ppp.min())), max(float(psc.max()), float(ppp.max())))
    psc_counts, edges = np.histogram(psc, bins=40, range=bounds)  # the same edges as binning both together
    ppp_counts, _ = np.histogram(ppp, bins=40, range=bounds)
    vfm = Summary.of(difference)
    return VfmResult(
        iterations=iterations,
        seed=seed,
        numpy_version=np.__version__,
        psc_base=psc_base,
        ppp_base=ppp_base,
        psc=Summary.of(psc),
        ppp=Summary.of(ppp),
        vfm=vfm,
        probability_ppp_cheaper=float(np.count_nonzero(difference > 0) / iterations),
        vfm_percent_of_psc=float(vfm.mean / psc.mean() * 100) if psc.mean() else 0.0,
        histogram={
            "edges": edges.tolist(),
            "psc": psc_counts.astype(float).tolist(),
            "ppp": ppp_counts.astype(float).tolist(),
        },
        tornado=tornado(case),
    )


def expected_vfm(
    case: VfmCase,
    *,
    rate: float | None = None,
    scale: Mapping[str, float] | None = None,
    impact_scale: Mapping[str, float] | None = None,
) -> float:
    psc, ppp = base_costs(case, rate=rate, scale=scale)
    total, retained = expected_risk_pv(case, rate=rate, impact_scale=impact_scale)
    return (psc + total) - (ppp + retained)


def tornado(case: VfmCase) -> tuple[tuple[str, float, float], ...]:
    """Each driver's swing on the expected VfM, largest first: (driver, VfM at low, VfM at high)."""
    swings: list[tuple[str, float, float]] = [
        (
            "discount rate ±1 point",
            expected_vfm(case, rate=case.discount_rate - 0.01),
            expected_vfm(case, rate=case.discount_rate + 0.01),
        ),
        ("capex ±20%", expected_vfm(case, scale={"psc_capex": 0.8}), expected_vfm(case, scale={"psc_capex": 1.2})),
        ("opex ±20%", expected_vfm(case, scale={"psc_opex": 0.8}), expected_vfm(case, scale={"psc_opex": 1.2})),
        (
            "PPP payments ±10%",
            expected_vfm(case, scale={"ppp_payments": 0.9}),
            expected_vfm(case, scale={"ppp_payments": 1.1}),
        ),
    ]
    for risk in case.risks:
        swings.append(
            (
                f"risk: {risk.name} impact low/high",
                expected_vfm(
                    case, impact_scale={risk.name: risk.low / risk.mean_impact() if risk.mean_impact() else 1.0}
                ),
                expected_vfm(
                    case, impact_scale={risk.name: risk.high / risk.mean_impact() if risk.mean_impact() else 1.0}
                ),
            )
        )
    return tuple(sorted(swings, key=lambda s: -abs(s[2] - s[1])))


def sample_loop(case: VfmCase, *, iterations: int, seed: int) -> FloatArray:
    """VfM (PSC - PPP) per iteration the way a spreadsheet model computes it: the benchmark's baseline.

    Every iteration rebuilds both options' rows of yearly cash flows, as a spreadsheet recalculates its sheet
    on each trial: the PSC row is capex + opex + competitive neutrality plus the impacts of the risks that
    strike that year; the PPP row is payments + contract management + transaction costs plus the retained
    share of those impacts. Both rows are then discounted year by year and PSC - PPP is recorded. A once-off
    risk is one Bernoulli trial, in a year drawn uniformly from its range; a recurring risk is one Bernoulli
    trial in each year of its range. Impacts are triangular or PERT (`random.betavariate`). Plain Python
    lists and `random`, with nothing slowed down on purpose. It has the simulation's expected value (a
    recurring risk strikes at most once a year here, where `simulate` places its binomial number of
    occurrences in independently drawn years); use `simulate` for results.
    """
    import random

    rnd = random.Random(seed)  # noqa: S311 - simulation, not cryptography
    years = range(case.horizon)
    factors = discount_factors(case.horizon, case.discount_rate, mid_year=case.mid_year).tolist()

    def row(key: str) -> list[float]:
        return [float(v) for v in pad(getattr(case, key), case.horizon)]

    capex, opex, neutrality = row("psc_capex"), row("psc_opex"), row("competitive_neutrality")
    payments, management, transaction = row("ppp_payments"), row("contract_management"), row("transaction_costs")
    risks = []  # the risk register's cells: probability, impact parameters, years, share retained
    for risk in case.risks:
        span = risk.high - risk.low
        alpha = 1 + 4 * (risk.mode - risk.low) / span if span else 1.0
        beta = 1 + 4 * (risk.high - risk.mode) / span if span else 1.0
        risks.append((risk, alpha, beta, 1.0 - risk.share_transferred))
    out = np.empty(iterations)
    for i in range(iterations):
        psc_row = [capex[year] + opex[year] + neutrality[year] for year in years]
        ppp_row = [payments[year] + management[year] + transaction[year] for year in years]
        for risk, alpha, beta, keep in risks:
            if risk.once:  # one trial, in a year drawn from the range
                struck = [rnd.randint(risk.first_year, risk.last_year)] if rnd.random() < risk.probability else []
            else:  # one trial in each year of the range
                struck = [y for y in range(risk.first_year, risk.last_year + 1) if rnd.random() < risk.probability]
            for year in struck:
                if risk.pert and risk.high > risk.low:
                    impact = risk.low + (risk.high - risk.low) * rnd.betavariate(alpha, beta)
                else:
                    impact = rnd.triangular(risk.low, risk.high, risk.mode)
                psc_row[year] += impact
                ppp_row[year] += impact * keep
        psc = ppp = 0.0
        for year in years:
            psc += psc_row[year] * factors[year]
            ppp += ppp_row[year] * factors[year]
        out[i] = psc - ppp
    return out
