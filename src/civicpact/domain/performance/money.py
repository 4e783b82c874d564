"""The money rules: a month's counts (from the SLA engine) and KPI failures -> deductions, cap, bonus, net payment.

The rules are in docs/performance-regime.md ("Money"); the decisions it leaves open are in its section "Rules in
detail (domain/performance)". In short, for the month:

- U, the monthly unitary charge = annual / 12 x index / base, rounded to the cent; every other figure comes
  from this rounded U (it is the figure on the invoice).
- An asset's share = U x w_c / 100 / n_c, with n_c the number of assets of its class in the register.
- Its weighted deductible slots D = sum over tiers of multiplier_t x (down_t + ubu x degraded_t + missing_t),
  missing_t counting only when missing_data is `unavailable`.
- Its deduction: share x D / S_a (share mode) or rate x D (rate mode), computed exactly and rounded once to the
  cent, half up. The shown share is rounded to the cent too, but the deduction uses the exact share.
- A KPI's deduction = failures x deduction_per_failure, rounded to the cent.
- Gross deductions = the sum of the rounded lines; cap = U x cap_percent / 100 rounded to the cent;
  applied = min(gross, cap).
- Contract availability = sum of up slots / sum of service slots; the bonus (U x percent / 100, to the cent)
  is earned when it is at or above the threshold, compared exactly (no bonus when there are no service slots).
- Net payment = U - applied + bonus, exactly (every term is already in cents).

Pure code: exact arithmetic with `Fraction` until each figure is rounded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor
from types import MappingProxyType
from typing import Any, NoReturn

from civicpact.domain.performance.counts import AssetCounts
from civicpact.domain.performance.regime import Regime

AVAILABILITY_PLACES = 3  # availability percentages are shown to a thousandth of a percent, rounded down
ZERO = Decimal("0.00")
_NO_FAILURES: Mapping[str, int] = MappingProxyType({})
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_COUNT_FIELDS = (
    "service_slots",
    "observed_slots",
    "up_slots",
    "down_slots",
    "degraded_slots",
    "missing_slots",
    "events",
    "rectified_events",
)
_TIER_FIELDS = ("deductible_down", "deductible_degraded", "deductible_missing")


class StatementInputError(ValueError):
    """An input of a statement that cannot be used; `field` names it (`counts[2].deductible_down`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _fail(field: str, message: str) -> NoReturn:
    raise StatementInputError(field, message)


@dataclass(frozen=True)
class TierSlots:
    """An asset's deductible slots in one ratchet tier, by kind."""

    tier: int  # 0: the asset's 1st deductible event of the month, 1: its 2nd, ...; the last tier holds every later
    multiplier: Decimal
    down: int
    degraded: int
    missing: int  # as counted by the engine; priced only when missing_data is unavailable


@dataclass(frozen=True)
class AssetLine:
    asset: str
    asset_class: str
    share: Decimal  # U x w_c / 100 / n_c, to the cent (the deduction uses the exact share)
    service_slots: int  # S_a
    up_slots: int
    availability_percent: Decimal | None  # up / S_a in percent, rounded down to 3 decimals; None when S_a = 0
    events: int
    rectified_events: int
    tiers: tuple[TierSlots, ...]  # one per ratchet tier
    weighted_slots: Decimal  # D = sum of multiplier x (down + ubu x degraded + missing), exact
    deduction: Decimal  # to the cent


@dataclass(frozen=True)
class KpiLine:
    kpi: str
    name: str
    failures: int
    deduction_per_failure: Decimal
    deduction: Decimal  # failures x deduction_per_failure, to the cent


@dataclass(frozen=True)
class Statement:
    """A month's payment under the regime, drilling down to each asset and KPI. Amounts are in cents."""

    currency: str
    index_value: Decimal | None
    monthly_charge: Decimal  # U
    assets: tuple[AssetLine, ...]  # in the order of the counts
    kpis: tuple[KpiLine, ...]  # in the regime's order
    availability_deductions: Decimal  # sum of the asset lines
    kpi_deductions: Decimal  # sum of the KPI lines
    gross_deductions: Decimal  # availability + KPI deductions, before the cap
    cap_amount: Decimal  # U x cap_percent / 100
    capped: bool  # the gross deductions are above the cap
    deductions_applied: Decimal  # min(gross, cap)
    contract_availability_percent: Decimal | None  # sum of up / sum of S, rounded down; None without service slots
    bonus_earned: bool
    bonus: Decimal  # U x bonus percent / 100 when earned, else 0.00
    net_payment: Decimal  # U - deductions applied + bonus

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: amounts, multipliers and percentages as decimal strings."""
        return {
            "currency": self.currency,
            "index_value": _text(self.index_value),
            "monthly_charge": _text(self.monthly_charge),
            "assets": [
                {
                    "asset": line.asset,
                    "class": line.asset_class,
                    "share": _text(line.share),
                    "service_slots": line.service_slots,
                    "up_slots": line.up_slots,
                    "availability_percent": _text(line.availability_percent),
                    "events": line.events,
                    "rectified_events": line.rectified_events,
                    "tiers": [
                        {
                            "tier": tier.tier,
                            "multiplier": _text(tier.multiplier),
                            "down": tier.down,
                            "degraded": tier.degraded,
                            "missing": tier.missing,
                        }
                        for tier in line.tiers
                    ],
                    "weighted_slots": _text(line.weighted_slots),
                    "deduction": _text(line.deduction),
                }
                for line in self.assets
            ],
            "kpis": [
                {
                    "kpi": line.kpi,
                    "name": line.name,
                    "failures": line.failures,
                    "deduction_per_failure": _text(line.deduction_per_failure),
                    "deduction": _text(line.deduction),
                }
                for line in self.kpis
            ],
            "availability_deductions": _text(self.availability_deductions),
            "kpi_deductions": _text(self.kpi_deductions),
            "gross_deductions": _text(self.gross_deductions),
            "cap_amount": _text(self.cap_amount),
            "capped": self.capped,
            "deductions_applied": _text(self.deductions_applied),
            "contract_availability_percent": _text(self.contract_availability_percent),
            "bonus_earned": self.bonus_earned,
            "bonus": _text(self.bonus),
            "net_payment": _text(self.net_payment),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


# Exact arithmetic and rounding


def _cents(value: Fraction) -> Decimal:
    """Round to the cent, halves away from zero (ROUND_HALF_UP), from an exact value."""
    hundredths = value * 100
    magnitude = floor(abs(hundredths) + Fraction(1, 2))
    return Decimal(f"{magnitude if hundredths >= 0 else -magnitude}e-2")  # from text: exact at any size


def _rounded_down(value: Fraction, places: int) -> Decimal:
    """Truncate a non-negative value to `places` decimals."""
    return Decimal(f"{floor(value * 10**places)}e-{places}")


def _exact(value: Fraction) -> Decimal:
    """A Fraction whose denominator divides a power of ten (sums of products of decimals), as an exact Decimal."""
    places, scale = 0, 1
    while scale % value.denominator:
        places, scale = places + 1, scale * 10
    return Decimal(f"{value.numerator * (scale // value.denominator)}e-{places}")


def _percent(up: int, slots: int) -> Decimal | None:
    return None if slots == 0 else _rounded_down(Fraction(100 * up, slots), AVAILABILITY_PLACES)


# The monthly unitary charge


def _index(regime: Regime, index_value: Decimal | int | str | None) -> Decimal | None:
    indexation = regime.unitary_charge.indexation
    if indexation is None:
        if index_value is not None:
            _fail(
                "index_value",
                f"index_value is {index_value}, but the regime's unitary charge is not indexed: give no index value",
            )
        return None
    if index_value is None:
        _fail(
            "index_value",
            f"index_value is missing: the unitary charge is indexed to {indexation.index}; "
            f"give its value for the month (base {indexation.base:f})",
        )
    value: Decimal | None = None
    if isinstance(index_value, Decimal):
        value = index_value if index_value.is_finite() else None
    elif isinstance(index_value, int) and not isinstance(index_value, bool):
        value = Decimal(index_value)
    elif isinstance(index_value, str) and _DECIMAL.fullmatch(index_value.strip()):
        value = Decimal(index_value.strip())
    if value is None or value <= 0:
        _fail("index_value", f"index_value is {index_value!r}: give the index's value for the month, above 0")
    return value


def _charge(regime: Regime, index: Decimal | None) -> Decimal:
    annual = Fraction(regime.unitary_charge.annual)
    indexation = regime.unitary_charge.indexation
    factor = Fraction(1) if indexation is None or index is None else Fraction(index) / Fraction(indexation.base)
    return _cents(annual / 12 * factor)


def monthly_charge(regime: Regime, index_value: Decimal | int | str | None = None) -> Decimal:
    """U: the annual unitary charge / 12 x index_value / base (when the regime is indexed), to the cent.

    An indexed regime needs the month's index value; a regime that is not indexed takes none."""
    return _charge(regime, _index(regime, index_value))


# Checking the inputs


def _check_counts(regime: Regime, counts: AssetCounts, where: str) -> None:
    for name in _COUNT_FIELDS:
        value = getattr(counts, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            _fail(f"{where}.{name}", f"{where}.{name} is {value!r}: give a whole number, 0 or more")
    if counts.up_slots > counts.service_slots:
        _fail(
            f"{where}.up_slots",
            f"{where}.up_slots is {counts.up_slots}, more than the asset's {counts.service_slots} service slots",
        )
    if counts.rectified_events > counts.events:
        _fail(
            f"{where}.rectified_events",
            f"{where}.rectified_events is {counts.rectified_events}, more than its {counts.events} events",
        )
    tiers = regime.availability.tiers
    for name in _TIER_FIELDS:
        values = getattr(counts, name)
        if len(values) > tiers:
            _fail(
                f"{where}.{name}",
                f"{where}.{name} has {len(values)} tiers but the regime's ratchet has {tiers}: "
                f"count the asset with the regime in force for the month",
            )
        for tier, value in enumerate(values):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                _fail(
                    f"{where}.{name}[{tier}]", f"{where}.{name}[{tier}] is {value!r}: give a whole number, 0 or more"
                )


def _register(regime: Regime, classes: Mapping[str, str]) -> dict[str, int]:
    """n_c: the number of assets of each class in the register."""
    sizes = {asset_class.key: 0 for asset_class in regime.asset_classes}
    for asset, key in classes.items():
        if key not in sizes:
            _fail(
                f"classes[{asset!r}]",
                f"classes[{asset!r}] is {key!r}, not a class of the regime: give one of {', '.join(sizes)}",
            )
        sizes[key] += 1
    return sizes


def _failures(regime: Regime, kpi_failures: Mapping[str, int]) -> None:
    keys = {kpi.key for kpi in regime.kpis}
    for key, failures in kpi_failures.items():
        if key not in keys:
            known = ", ".join(sorted(keys)) or "none"
            _fail(f"kpi_failures[{key!r}]", f"kpi_failures[{key!r}]: the regime has no such KPI (its KPIs: {known})")
        if not isinstance(failures, int) or isinstance(failures, bool) or failures < 0:
            _fail(f"kpi_failures[{key!r}]", f"kpi_failures[{key!r}] is {failures!r}: give a whole number, 0 or more")


# The lines


def _padded(values: tuple[int, ...], tiers: int) -> tuple[int, ...]:
    return values + (0,) * (tiers - len(values))


def _asset_line(regime: Regime, charge: Decimal, counts: AssetCounts, *, key: str, size: int, where: str) -> AssetLine:
    availability = regime.availability
    multipliers = availability.multipliers
    tiers = len(multipliers)
    down = _padded(counts.deductible_down, tiers)
    degraded = _padded(counts.deductible_degraded, tiers)
    missing = _padded(counts.deductible_missing, tiers)
    priced_missing = regime.measurement.missing_data == "unavailable"
    ubu = Fraction(availability.ubu_factor)
    weighted = sum(
        (
            Fraction(multipliers[t]) * (down[t] + ubu * degraded[t] + (missing[t] if priced_missing else 0))
            for t in range(tiers)
        ),
        Fraction(0),
    )
    weighting = Fraction(regime.asset_class(key).weighting)
    share = Fraction(charge) * weighting / 100 / size  # size >= 1: this asset is in the register
    if availability.mode == "rate":
        deduction = Fraction(availability.rate or 0) * weighted  # the regime requires a rate in rate mode
    elif counts.service_slots:
        deduction = share * weighted / counts.service_slots
    elif weighted:
        _fail(
            f"{where}.service_slots",
            f"{where}.service_slots is 0 but the asset has deductible slots: a deductible slot is a service slot",
        )
    else:
        deduction = Fraction(0)
    return AssetLine(
        asset=counts.asset,
        asset_class=key,
        share=_cents(share),
        service_slots=counts.service_slots,
        up_slots=counts.up_slots,
        availability_percent=_percent(counts.up_slots, counts.service_slots),
        events=counts.events,
        rectified_events=counts.rectified_events,
        tiers=tuple(
            TierSlots(tier=t, multiplier=multipliers[t], down=down[t], degraded=degraded[t], missing=missing[t])
            for t in range(tiers)
        ),
        weighted_slots=_exact(weighted),
        deduction=_cents(deduction),
    )


def statement(
    regime: Regime,
    counts: Sequence[AssetCounts],
    classes: Mapping[str, str],
    kpi_failures: Mapping[str, int] = _NO_FAILURES,
    index_value: Decimal | int | str | None = None,
) -> Statement:
    """The month's payment statement.

    `counts`: the engine's counts, one per asset (an asset of the register without counts gets no line and
    does not count towards availability); `classes`: the register, asset id -> class key (n_c counts the
    register's assets, not the counts'); `kpi_failures`: KPI key -> failures in the month (a KPI not given
    had none); `index_value`: the month's index value, required exactly when the regime is indexed."""
    index = _index(regime, index_value)
    charge = _charge(regime, index)
    sizes = _register(regime, classes)
    _failures(regime, kpi_failures)
    seen: dict[str, int] = {}
    lines = []
    for position, item in enumerate(counts):
        where = f"counts[{position}]"
        if item.asset not in classes:
            _fail(f"{where}.asset", f"{where}.asset {item.asset!r} is not in the register: give its class in classes")
        if item.asset in seen:
            _fail(f"{where}.asset", f"{where}.asset {item.asset!r} is also counts[{seen[item.asset]}]: count it once")
        seen[item.asset] = position
        _check_counts(regime, item, where)
        key = classes[item.asset]
        lines.append(_asset_line(regime, charge, item, key=key, size=sizes[key], where=where))
    kpi_lines = tuple(
        KpiLine(
            kpi=kpi.key,
            name=kpi.name,
            failures=kpi_failures.get(kpi.key, 0),
            deduction_per_failure=kpi.deduction_per_failure,
            deduction=_cents(kpi_failures.get(kpi.key, 0) * Fraction(kpi.deduction_per_failure)),
        )
        for kpi in regime.kpis
    )
    availability_deductions = sum((line.deduction for line in lines), ZERO)
    kpi_deductions = sum((line.deduction for line in kpi_lines), ZERO)
    gross = availability_deductions + kpi_deductions
    cap = _cents(Fraction(charge) * Fraction(regime.cap_percent) / 100)
    applied = min(gross, cap)
    service = sum(line.service_slots for line in lines)
    up = sum(line.up_slots for line in lines)
    bonus = regime.bonus
    earned = bonus is not None and service > 0 and Fraction(100 * up, service) >= Fraction(bonus.threshold_percent)
    amount = _cents(Fraction(charge) * Fraction(bonus.percent) / 100) if earned and bonus is not None else ZERO
    return Statement(
        currency=regime.currency,
        index_value=index,
        monthly_charge=charge,
        assets=tuple(lines),
        kpis=kpi_lines,
        availability_deductions=availability_deductions,
        kpi_deductions=kpi_deductions,
        gross_deductions=gross,
        cap_amount=cap,
        capped=gross > cap,
        deductions_applied=applied,
        contract_availability_percent=_percent(up, service),
        bonus_earned=earned,
        bonus=amount,
        net_payment=charge - applied + amount,
    )
