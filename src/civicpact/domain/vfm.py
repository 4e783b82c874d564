"""Value for money by Monte Carlo: the public sector comparator (PSC) against the PPP, risk-adjusted.

PSC = raw cost + competitive-neutrality adjustment + all quantified risk (transferable and retained).
PPP = payments to the partner + retained risk + contract-management and transaction costs.
Both in present value at the same rate over the same horizon, drawn with common random numbers: every
iteration's risk events are the same for both options, so their difference is not blurred by noise.
Percentiles and the probability that the PPP costs less are taken on each iteration's totals and on the
per-iteration difference PSC - PPP, never by subtracting percentiles.

The simulation is vectorised over iterations and runs in chunks so memory stays bounded. A once-off risk is
one Bernoulli trial in its year; a recurring risk draws its number of occurrences in the year range from a
binomial, then one impact and one year per occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def _impacts(rng: np.random.Generator, risk: SimRisk, size: int, normal: FloatArray | None = None) -> FloatArray:
    if risk.high == risk.low:
        return np.full(size, risk.low)
    if risk.pert:
        span = risk.high - risk.low
        alpha = 1 + 4 * (risk.mode - risk.low) / span
        beta = 1 + 4 * (risk.high - risk.mode) / span
        draws: FloatArray = risk.low + span * rng.beta(alpha, beta, size)
        return draws
    tri: FloatArray = rng.triangular(risk.low, risk.mode, risk.high, size)
    return tri


def _chunk_risk_pv(
    rng: np.random.Generator, case: VfmCase, factors: FloatArray, size: int
) -> tuple[FloatArray, FloatArray]:
    total = np.zeros(size)
    retained = np.zeros(size)
    uniforms = _correlated_uniforms(rng, len(case.risks), size, case.correlation) if case.correlation > 0 else None
    for index, risk in enumerate(case.risks):
        span = risk.last_year - risk.first_year + 1
        if risk.once:
            draws = uniforms[index] if uniforms is not None else rng.random(size)
            occurs = draws < risk.probability
            count = int(occurs.sum())
            value = np.zeros(size)
            if count:
                year = risk.first_year + rng.integers(0, span, count) if span > 1 else np.full(count, risk.first_year)
                value[occurs] = _impacts(rng, risk, count) * factors[year]
        else:
            occurrences = (
                _binomial_from_uniform(uniforms[index], span, risk.probability)
                if uniforms is not None
                else rng.binomial(span, risk.probability, size)
            )
            value = np.zeros(size)
            for nth in range(int(occurrences.max(initial=0))):
                hit = occurrences > nth
                count = int(hit.sum())
                year = risk.first_year + rng.integers(0, span, count)
                value[hit] += _impacts(rng, risk, count) * factors[year]
        total += value
        retained += value * (1.0 - risk.share_transferred)
    return total, retained


def _binomial_from_uniform(u: FloatArray, n: int, p: float) -> NDArray[np.int64]:
    """Binomial(n, p) counts by inverting the CDF at given uniforms (so a copula can correlate them)."""
    from scipy.stats import binom

    counts: NDArray[np.int64] = binom.ppf(u, n, p).astype(np.int64)
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
    own = rng.standard_normal((k, size))
    normals = np.sqrt(rho) * common + np.sqrt(1.0 - rho) * own
    correlated: FloatArray = ndtr(normals)
    return correlated


Progress = Callable[[int, int], None]


CHUNK = 100_000  # fixed, so that a seed gives the same draws whatever the machine


def simulate(case: VfmCase, *, iterations: int, seed: int, progress: Progress | None = None) -> VfmResult:
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise FinanceInputError("iterations", f"iterations must be 1 to {MAX_ITERATIONS:,}, not {iterations:,}")
    streams = np.random.SeedSequence(seed).spawn((iterations + CHUNK - 1) // CHUNK)
    factors = discount_factors(case.horizon, case.discount_rate, mid_year=case.mid_year)
    psc_base, ppp_base = base_costs(case)
    risk_total = np.empty(iterations)
    risk_retained = np.empty(iterations)
    for number, start in enumerate(range(0, iterations, CHUNK)):
        size = min(CHUNK, iterations - start)
        total, retained = _chunk_risk_pv(np.random.default_rng(streams[number]), case, factors, size)
        risk_total[start : start + size] = total
        risk_retained[start : start + size] = retained
        if progress is not None:
            progress(start + size, iterations)
    psc = psc_base + risk_total
    ppp = ppp_base + risk_retained
    difference = psc - ppp
    _counts, edges = np.histogram(np.concatenate([psc, ppp]), bins=40)
    psc_counts, _ = np.histogram(psc, bins=edges)
    ppp_counts, _ = np.histogram(ppp, bins=edges)
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
        probability_ppp_cheaper=float((difference > 0).mean()),
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
    """The per-iteration Python loop a spreadsheet-like implementation amounts to (benchmark baseline only)."""
    import random

    rnd = random.Random(seed)  # noqa: S311 - simulation, not cryptography
    factors = discount_factors(case.horizon, case.discount_rate, mid_year=case.mid_year).tolist()
    psc_base, ppp_base = base_costs(case)
    out = np.empty(iterations)
    for i in range(iterations):
        total = retained = 0.0
        for risk in case.risks:
            years: Sequence[int] = [risk.first_year] if risk.once else range(risk.first_year, risk.last_year + 1)
            for year in years:
                if rnd.random() < risk.probability:
                    value = rnd.triangular(risk.low, risk.high, risk.mode) * factors[year]
                    total += value
                    retained += value * (1 - risk.share_transferred)
        out[i] = (psc_base + total) - (ppp_base + retained)
    return out
