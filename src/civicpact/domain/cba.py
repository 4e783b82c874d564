"""Cost-benefit analysis: proof of value, not only proof of concept.

Costs (capex, opex, renewals, transaction and contract management) and benefits (cash savings, revenue,
monetised social and environmental benefits such as tonnes of CO2 avoided x a carbon value, time saved) per
year; NPV, benefit-cost ratio, IRR and payback; and a one-paragraph summary written from the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from civicpact.domain.finance import (
    FinanceInputError,
    IrrResult,
    benefit_cost_ratio,
    check_rate,
    irr,
    npv,
    pad,
    payback_years,
)

COST_LINES = ("capex", "opex", "renewals", "transaction", "contract_management")
BENEFIT_LINES = ("cash_savings", "revenue", "social", "environmental", "time_saved")


@dataclass(frozen=True)
class CbaResult:
    horizon: int
    discount_rate: float
    pv_costs: float
    pv_benefits: float
    npv: float
    bcr: float
    irr: IrrResult
    payback: float | None
    discounted_payback: float | None
    largest_benefit: str
    yearly_costs: tuple[float, ...] = ()
    yearly_benefits: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures, the summary paragraph included."""
        return {
            "horizon": self.horizon,
            "discount_rate": self.discount_rate,
            "pv_costs": self.pv_costs,
            "pv_benefits": self.pv_benefits,
            "npv": self.npv,
            "bcr": self.bcr,
            "irr": {"kind": self.irr.kind, "value": self.irr.value, "roots": list(self.irr.roots)},
            "irr_text": self.irr.describe(),
            "payback": self.payback,
            "discounted_payback": self.discounted_payback,
            "largest_benefit": self.largest_benefit,
            "yearly_costs": list(self.yearly_costs),
            "yearly_benefits": list(self.yearly_benefits),
            "summary": self.summary(),
        }

    def summary(self) -> str:
        verdict = "pays back its cost" if self.npv >= 0 else "does not pay back its cost"
        payback = (
            f"pays back in {self.payback:.1f} years ({self.discounted_payback:.1f} discounted)"
            if self.payback is not None and self.discounted_payback is not None
            else "does not pay back within the horizon"
            if self.payback is None
            else f"pays back in {self.payback:.1f} years, but not within the horizon once discounted"
        )
        return (
            f"Over {self.horizon} years at a real discount rate of {self.discount_rate:.1%}, the project "
            f"{verdict}: benefits worth {self.pv_benefits:,.0f} in present value against costs of "
            f"{self.pv_costs:,.0f}, a net present value of {self.npv:,.0f} and a benefit-cost ratio of "
            f"{self.bcr:.2f}. Its internal rate of return is {self.irr.describe()}, and it {payback}. "
            f"The largest benefit is {self.largest_benefit.replace('_', ' ')}."
        )


def _lines(
    data: Mapping[str, Sequence[float]], allowed: Sequence[str], field: str, horizon: int
) -> dict[str, np.ndarray]:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise FinanceInputError(f"{field}.{unknown[0]}", f"{field}.{unknown[0]} is not one of: {', '.join(allowed)}")
    out = {}
    for key, values in data.items():
        if len(values) > horizon:
            raise FinanceInputError(f"{field}.{key}", f"{field}.{key} has more years than the horizon of {horizon}")
        if any(v < 0 for v in values):
            raise FinanceInputError(f"{field}.{key}", f"{field}.{key}: enter amounts as positive numbers")
        out[key] = pad(values, horizon)
    return out


def cost_benefit(
    *,
    horizon: int,
    discount_rate: float,
    costs: Mapping[str, Sequence[float]],
    benefits: Mapping[str, Sequence[float]],
    mid_year: bool = False,
) -> CbaResult:
    check_rate(discount_rate)
    cost_lines = _lines(costs, COST_LINES, "costs", horizon)
    benefit_lines = _lines(benefits, BENEFIT_LINES, "benefits", horizon)
    if not cost_lines or not any(line.any() for line in cost_lines.values()):
        raise FinanceInputError("costs", "costs are empty: give at least one cost line")
    total_costs = np.sum(list(cost_lines.values()), axis=0)
    total_benefits = np.sum(list(benefit_lines.values()), axis=0) if benefit_lines else np.zeros(horizon)
    net = total_benefits - total_costs
    pvs = {k: npv(v, discount_rate, mid_year=mid_year) for k, v in benefit_lines.items()}
    return CbaResult(
        horizon=horizon,
        discount_rate=discount_rate,
        pv_costs=npv(total_costs, discount_rate, mid_year=mid_year),
        pv_benefits=npv(total_benefits, discount_rate, mid_year=mid_year),
        npv=npv(net, discount_rate, mid_year=mid_year),
        bcr=benefit_cost_ratio(total_benefits, total_costs, discount_rate, mid_year=mid_year),
        irr=irr(net),
        payback=payback_years(net),
        discounted_payback=payback_years(net, discount_rate, mid_year=mid_year),
        largest_benefit=max(pvs, key=lambda k: pvs[k]) if pvs else "none",
        yearly_costs=tuple(float(v) for v in total_costs),
        yearly_benefits=tuple(float(v) for v in total_benefits),
    )


def carbon_value(tonnes_per_year: Sequence[float], price_per_tonne: float) -> list[float]:
    """Monetise CO2 avoided: tonnes x a carbon value per tonne (in the case's prices)."""
    if price_per_tonne < 0:
        raise FinanceInputError("carbon_price", "carbon_price must be zero or more")
    return [t * price_per_tonne for t in tonnes_per_year]


def _amounts(value: Any, field: str) -> list[float]:
    if not isinstance(value, list) or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise FinanceInputError(field, f"{field} must be a list of yearly amounts")
    return [float(v) for v in value]


def _section(data: Mapping[str, Any], key: str) -> dict[str, list[float]]:
    lines = data.get(key, {})
    if not isinstance(lines, Mapping):
        raise FinanceInputError(key, f"{key} must map each line to its yearly amounts")
    return {name: _amounts(values, f"{key}.{name}") for name, values in lines.items()}


def cost_benefit_from_mapping(
    data: Mapping[str, Any], *, horizon: int, discount_rate: float, mid_year: bool = False
) -> CbaResult:
    """A cost-benefit analysis from the `cba` block of a case file: {"costs": {line: [...]}, "benefits":
    {line: [...]}, "carbon": {"tonnes": [...], "price": 80}}; carbon avoided adds to the environmental line."""
    costs = _section(data, "costs")
    benefits = _section(data, "benefits")
    carbon = data.get("carbon")
    if carbon:
        if not isinstance(carbon, Mapping):
            raise FinanceInputError("carbon", "carbon must be an object with tonnes and price")
        tonnes = _amounts(carbon.get("tonnes", []), "carbon.tonnes")
        price = carbon.get("price", 0)
        if isinstance(price, bool) or not isinstance(price, int | float):
            raise FinanceInputError("carbon.price", "carbon.price must be a number (value per tonne of CO2)")
        if price < 0:
            raise FinanceInputError("carbon.price", f"carbon.price must be zero or more, not {price}")
        if any(t < 0 for t in tonnes):
            raise FinanceInputError("carbon.tonnes", "carbon.tonnes: enter tonnes avoided as positive numbers")
        if len(tonnes) > horizon:
            raise FinanceInputError("carbon.tonnes", f"carbon.tonnes has more years than the horizon of {horizon}")
        monetised = carbon_value(tonnes, float(price))
        own = pad(benefits.get("environmental", []), horizon)
        benefits["environmental"] = list(own + pad(monetised, horizon))
    return cost_benefit(
        horizon=horizon, discount_rate=discount_rate, costs=costs, benefits=benefits, mid_year=mid_year
    )
