"""The performance regime document (format 1): what a contract measures and what failures cost.

The document is described in docs/performance-regime.md ("The regime document") and by
src/civicpact/schemas/regime.schema.json; docs/examples/regime.yaml is a complete example. This module turns
the document's plain data (from YAML or JSON) into frozen dataclasses and back, checking every field:
`regime_from_mapping` and `regime_from_text` raise `RegimeInputError(field, message)` naming the field (such as
`asset_classes[1].weighting`) and saying what to fix. A `Regime` built in code is checked the same way.

Amounts and percentages are `Decimal`: give them as strings ("1200000.00") or numbers (a float must be finite;
it is read through its shortest decimal form, so 0.1 is Decimal("0.1")). `regime_to_mapping` writes them as
strings, so that `regime_from_mapping(regime_to_mapping(r)) == r`. Whole numbers (the interval, the
rectification period, the format) must be integers. Unknown fields are refused, to catch typos.

YAML needs PyYAML, imported only when YAML is read or written; JSON needs nothing more.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMAT = 1  # the only format this module reads and writes
INTERVALS = (5, 10, 15, 20, 30, 60)  # measurement intervals, in minutes: each divides the day
MISSING_DATA = ("unavailable", "available", "excluded")
MODES = ("share", "rate")
KPI_KINDS = ("response_time", "fix_time", "periodic")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440
PERCENT_PLACES = 3  # availability percentages (target, bonus threshold) have at most this many decimals
MAX_TEXT = 1_000_000  # characters of a regime document
TextFormat = Literal["yaml", "json"]

_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")


class RegimeInputError(ValueError):
    """A regime field that cannot be accepted; `field` names it (`asset_classes[1].weighting`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Indexation:
    index: str  # the index's name, e.g. CPI: U is multiplied by index(month) / base
    base: Decimal  # the index's value at the base date, > 0


@dataclass(frozen=True)
class UnitaryCharge:
    annual: Decimal  # the annual unitary charge, > 0, in the regime's currency
    indexation: Indexation | None = None


@dataclass(frozen=True)
class Measurement:
    interval_minutes: int  # one of INTERVALS
    timezone: str  # an IANA time zone, e.g. Europe/Lisbon: service hours are in its local time
    missing_data: str  # one of MISSING_DATA: how a service interval without data counts


@dataclass(frozen=True)
class Availability:
    target_percent: Decimal  # 0..100: the availability the partner commits to (reported, not priced)
    rectification_minutes: int  # an outage no longer than this costs nothing; a multiple of the interval
    ubu_factor: Decimal  # 0..1: what a slot "unavailable but used" costs, as a share of a slot down
    ratchet: tuple[Decimal, ...] = ()  # multipliers of an asset's 1st, 2nd, ... deductible events: >= 1, rising
    mode: str = "share"  # share: a deduction is a share of the asset's part of U; rate: a fixed rate per slot
    rate: Decimal | None = None  # amount per deductible slot, rate mode only

    @property
    def multipliers(self) -> tuple[Decimal, ...]:
        """The multiplier of each ratchet tier; an empty ratchet is one tier with multiplier 1."""
        return self.ratchet or (Decimal(1),)

    @property
    def tiers(self) -> int:
        """T: the number of ratchet tiers (1 without a ratchet); the k-th deductible event is in tier min(k, T)."""
        return len(self.multipliers)


@dataclass(frozen=True)
class ServiceHours:
    days: tuple[str, ...]  # day names from DAYS
    from_: str  # "HH:MM", local time, included
    to: str  # "HH:MM" after from_, excluded; "24:00" ends at midnight

    @property
    def weekdays(self) -> frozenset[int]:
        """The days as numbers, 0 = Monday ... 6 = Sunday (as `calendar.ServiceWindow` takes them)."""
        return frozenset(DAYS.index(day) for day in self.days)

    @property
    def from_minute(self) -> int:
        return _minute(self.from_)

    @property
    def to_minute(self) -> int:
        return _minute(self.to)


@dataclass(frozen=True)
class AssetClass:
    key: str  # unique among the classes; the register names each asset's class by it
    name: str
    weighting: Decimal  # percent of U; the classes' weightings add up to exactly 100
    service_hours: tuple[ServiceHours, ...]


@dataclass(frozen=True)
class Kpi:
    key: str  # unique among the KPIs
    name: str
    kind: str  # one of KPI_KINDS
    target: Decimal  # hours for response_time and fix_time; the score to reach for periodic
    deduction_per_failure: Decimal  # amount deducted for each failure to meet the target


@dataclass(frozen=True)
class Bonus:
    threshold_percent: Decimal  # the contract's availability at or above which the bonus is earned
    percent: Decimal  # the bonus, percent of U


@dataclass(frozen=True)
class Regime:
    currency: str  # ISO 4217 code, e.g. EUR
    unitary_charge: UnitaryCharge
    measurement: Measurement
    availability: Availability
    asset_classes: tuple[AssetClass, ...]
    cap_percent: Decimal  # the month's deductions are capped at this percent of U, 0..100
    kpis: tuple[Kpi, ...] = ()
    bonus: Bonus | None = None
    format: int = FORMAT

    def __post_init__(self) -> None:
        _check_regime(self)

    @property
    def rectification_slots(self) -> int:
        """R: the rectification period in measurement intervals; an event of at most R slots is rectified."""
        return self.availability.rectification_minutes // self.measurement.interval_minutes

    def asset_class(self, key: str) -> AssetClass:
        for asset_class in self.asset_classes:
            if asset_class.key == key:
                return asset_class
        raise KeyError(key)


# Reading plain data


def _fail(field: str, message: str) -> NoReturn:
    raise RegimeInputError(field, message)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object(value: Any, where: str, fields: Sequence[str], what: str) -> Mapping[str, Any]:
    """An object with only the given fields."""
    if not isinstance(value, Mapping):
        _fail(where or "(top level)", f"{where or 'the regime'} must be an object with {what}")
    for key in value:
        if key not in fields:
            _fail(
                _at(where, str(key)),
                f"{_at(where, str(key))} is not a field of {where or 'the regime'}: "
                f"the fields are {', '.join(fields)}",
            )
    return value


def _required(data: Mapping[str, Any], key: str, where: str, hint: str) -> Any:
    value = data.get(key)
    if value is None:
        _fail(_at(where, key), f"{_at(where, key)} is missing: {hint}")
    return value


def _decimal(value: Any, field: str, example: str) -> Decimal:
    """A Decimal from a string such as "1200000.00", an integer, a Decimal or a finite float."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, Decimal):
        if value.is_finite():
            return value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        if math.isfinite(value):
            return Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    _fail(field, f"{field} must be a number such as {example!r}, not {value!r}")


def _integer(value: Any, field: str, example: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    _fail(field, f"{field} must be a whole number such as {example}, not {value!r}")


def _text(value: Any, field: str, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(field, f"{field} must be text such as {example!r}, not {value!r}")
    return value


def _key(value: Any, field: str, example: str) -> str:
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        _fail(
            field,
            f"{field} must be a key such as {example!r} (letters, digits, '_', '.', '-', "
            f"starting with a letter or digit, at most 64 characters), not {value!r}",
        )
    return value


def _time(value: Any, field: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 10:30 as a number in base 60
        _fail(field, f'{field} must be a time in quotes, such as "10:30": unquoted, YAML reads it as a number')
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        _fail(field, f'{field} must be a time "HH:MM" from "00:00" to "24:00", not {value!r}')
    return value


def _minute(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def _list(value: Any, field: str, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        _fail(field, f"{field} must be a list of {what}, not {value!r}")
    return list(value)


def _indexation(value: Any) -> Indexation | None:
    if value is None:
        return None
    where = "unitary_charge.indexation"
    data = _object(value, where, ("index", "base"), "an index and its base value")
    return Indexation(
        index=_text(_required(data, "index", where, "name the index, e.g. CPI"), f"{where}.index", "CPI"),
        base=_decimal(
            _required(data, "base", where, 'give the index value at the base date, e.g. "100.0"'),
            f"{where}.base",
            "100.0",
        ),
    )


def _unitary_charge(value: Any) -> UnitaryCharge:
    where = "unitary_charge"
    data = _object(
        _required({where: value}, where, "", "give the annual unitary charge"), where, _CHARGE, "an annual amount"
    )
    return UnitaryCharge(
        annual=_decimal(
            _required(data, "annual", where, 'give the annual unitary charge, e.g. "1200000.00"'),
            f"{where}.annual",
            "1200000.00",
        ),
        indexation=_indexation(data.get("indexation")),
    )


def _measurement(value: Any) -> Measurement:
    where = "measurement"
    data = _object(
        _required({where: value}, where, "", "give interval_minutes, timezone and missing_data"),
        where,
        _MEASUREMENT,
        "interval_minutes, timezone and missing_data",
    )
    return Measurement(
        interval_minutes=_integer(
            _required(data, "interval_minutes", where, "give 5, 10, 15, 20, 30 or 60"),
            f"{where}.interval_minutes",
            15,
        ),
        timezone=_text(
            _required(data, "timezone", where, "give the contract's time zone, e.g. Europe/Lisbon"),
            f"{where}.timezone",
            "Europe/Lisbon",
        ),
        missing_data=_text(
            _required(data, "missing_data", where, f"give one of {', '.join(MISSING_DATA)}"),
            f"{where}.missing_data",
            "unavailable",
        ),
    )


def _availability(value: Any) -> Availability:
    where = "availability"
    data = _object(
        _required({where: value}, where, "", "give target_percent, rectification_minutes, ubu_factor and mode"),
        where,
        _AVAILABILITY,
        ", ".join(_AVAILABILITY),
    )
    ratchet = data.get("ratchet")
    rate = data.get("rate")
    return Availability(
        target_percent=_decimal(
            _required(data, "target_percent", where, 'give the availability target, e.g. "99.0"'),
            f"{where}.target_percent",
            "99.0",
        ),
        rectification_minutes=_integer(
            _required(data, "rectification_minutes", where, "give the rectification period in minutes, e.g. 240"),
            f"{where}.rectification_minutes",
            240,
        ),
        ubu_factor=_decimal(
            _required(data, "ubu_factor", where, 'give the "unavailable but used" factor from 0 to 1, e.g. "0.5"'),
            f"{where}.ubu_factor",
            "0.5",
        ),
        ratchet=()
        if ratchet is None
        else tuple(
            _decimal(item, f"{where}.ratchet[{index}]", "1.5")
            for index, item in enumerate(_list(ratchet, f"{where}.ratchet", "multipliers"))
        ),
        mode=_text(_required(data, "mode", where, "give share or rate"), f"{where}.mode", "share"),
        rate=None if rate is None else _decimal(rate, f"{where}.rate", "25.00"),
    )


def _service_hours(value: Any, where: str) -> ServiceHours:
    data = _object(value, where, ("days", "from", "to"), "days, from and to")
    days = _list(_required(data, "days", where, "give the days, e.g. [mon, tue, wed]"), f"{where}.days", "day names")
    return ServiceHours(
        days=tuple(_text(day, f"{where}.days[{index}]", "mon") for index, day in enumerate(days)),
        from_=_time(_required(data, "from", where, 'give the start, e.g. "06:00"'), f"{where}.from"),
        to=_time(_required(data, "to", where, 'give the end, e.g. "24:00"'), f"{where}.to"),
    )


def _asset_class(value: Any, where: str) -> AssetClass:
    data = _object(value, where, ("key", "name", "weighting", "service_hours"), "a key, a weighting, service hours")
    key = _key(_required(data, "key", where, "give a key such as 'streetlight'"), f"{where}.key", "streetlight")
    hours = _list(
        _required(data, "service_hours", where, "give the service hours, e.g. every day from 00:00 to 24:00"),
        f"{where}.service_hours",
        "service hours",
    )
    return AssetClass(
        key=key,
        name=_text(data.get("name", key), f"{where}.name", "Street light"),
        weighting=_decimal(
            _required(data, "weighting", where, 'give its share of the unitary charge in percent, e.g. "80"'),
            f"{where}.weighting",
            "80",
        ),
        service_hours=tuple(
            _service_hours(item, f"{where}.service_hours[{index}]") for index, item in enumerate(hours)
        ),
    )


def _kpi(value: Any, where: str) -> Kpi:
    data = _object(value, where, _KPI, ", ".join(_KPI))
    key = _key(_required(data, "key", where, "give a key such as 'fix_time'"), f"{where}.key", "fix_time")
    return Kpi(
        key=key,
        name=_text(data.get("name", key), f"{where}.name", "Fault fixed within 24 hours"),
        kind=_text(_required(data, "kind", where, f"give one of {', '.join(KPI_KINDS)}"), f"{where}.kind", "fix_time"),
        target=_decimal(
            _required(data, "target", where, "give the target (hours, or the score to reach for periodic)"),
            f"{where}.target",
            "24",
        ),
        deduction_per_failure=_decimal(
            _required(data, "deduction_per_failure", where, 'give the amount per failure, e.g. "250.00"'),
            f"{where}.deduction_per_failure",
            "250.00",
        ),
    )


def _bonus(value: Any) -> Bonus | None:
    if value is None:
        return None
    where = "bonus"
    data = _object(value, where, ("threshold_percent", "percent"), "threshold_percent and percent")
    return Bonus(
        threshold_percent=_decimal(
            _required(data, "threshold_percent", where, 'give the availability that earns the bonus, e.g. "99.8"'),
            f"{where}.threshold_percent",
            "99.8",
        ),
        percent=_decimal(
            _required(data, "percent", where, 'give the bonus in percent of the monthly charge, e.g. "1.0"'),
            f"{where}.percent",
            "1.0",
        ),
    )


_TOP = (
    "format",
    "currency",
    "unitary_charge",
    "measurement",
    "availability",
    "asset_classes",
    "kpis",
    "bonus",
    "cap_percent",
)
_CHARGE = ("annual", "indexation")
_MEASUREMENT = ("interval_minutes", "timezone", "missing_data")
_AVAILABILITY = ("target_percent", "rectification_minutes", "ubu_factor", "ratchet", "mode", "rate")
_KPI = ("key", "name", "kind", "target", "deduction_per_failure")


def regime_from_mapping(data: Any) -> Regime:
    """A regime from the document's plain data (as `yaml.safe_load` or `json.loads` give it), checked."""
    data = _object(data, "", _TOP, "format, currency, unitary_charge, measurement, availability, asset_classes")
    version = _integer(_required(data, "format", "", f"give format: {FORMAT}"), "format", FORMAT)
    if version != FORMAT:
        _fail("format", f"format is {version}: this version of CivicPact reads regimes of format {FORMAT}")
    currency = _required(data, "currency", "", "give the ISO 4217 code of the contract's currency, e.g. EUR")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        _fail("currency", f"currency must be an ISO 4217 code in capitals such as 'EUR', not {currency!r}")
    classes = _list(
        _required(data, "asset_classes", "", "give at least one asset class"), "asset_classes", "asset classes"
    )
    kpis = data.get("kpis")
    return Regime(
        format=version,
        currency=currency,
        unitary_charge=_unitary_charge(data.get("unitary_charge")),
        measurement=_measurement(data.get("measurement")),
        availability=_availability(data.get("availability")),
        asset_classes=tuple(_asset_class(item, f"asset_classes[{index}]") for index, item in enumerate(classes)),
        kpis=()
        if kpis is None
        else tuple(_kpi(item, f"kpis[{index}]") for index, item in enumerate(_list(kpis, "kpis", "KPIs"))),
        bonus=_bonus(data.get("bonus")),
        cap_percent=_decimal(
            _required(
                data, "cap_percent", "", 'give the cap on deductions in percent of the monthly charge, e.g. "20"'
            ),
            "cap_percent",
            "20",
        ),
    )


# Checking


def _percent_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _check_range(value: Decimal, field: str, low: Decimal | int, high: Decimal | int | None, what: str) -> None:
    if not value.is_finite() or value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        _fail(field, f"{field} is {_percent_text(value)}: give {what} {bounds}")


def _check_places(value: Decimal, field: str) -> None:
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PERCENT_PLACES:
        _fail(
            field,
            f"{field} is {_percent_text(value)}: give at most {PERCENT_PLACES} decimal places "
            f"(availability is compared to a thousandth of a percent)",
        )


def _check_charge(charge: UnitaryCharge) -> None:
    if not charge.annual.is_finite() or charge.annual <= 0:
        _fail("unitary_charge.annual", f"unitary_charge.annual is {charge.annual}: give an amount above 0")
    if charge.indexation is not None:
        if not charge.indexation.index.strip():
            _fail("unitary_charge.indexation.index", "unitary_charge.indexation.index is empty: name the index")
        base = charge.indexation.base
        if not base.is_finite() or base <= 0:
            _fail(
                "unitary_charge.indexation.base",
                f"unitary_charge.indexation.base is {base}: give the index value at the base date, above 0",
            )


def _check_measurement(measurement: Measurement) -> None:
    interval = measurement.interval_minutes
    if interval not in INTERVALS:
        _fail(
            "measurement.interval_minutes",
            f"measurement.interval_minutes is {interval}: give 5, 10, 15, 20, 30 or 60 "
            f"(an interval must divide the day's {MINUTES_PER_DAY} minutes)",
        )
    try:
        ZoneInfo(measurement.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail(
            "measurement.timezone",
            f"measurement.timezone {measurement.timezone!r} is not a known time zone: "
            f"give an IANA name such as 'Europe/Lisbon'",
        )
    if measurement.missing_data not in MISSING_DATA:
        _fail(
            "measurement.missing_data",
            f"measurement.missing_data is {measurement.missing_data!r}: give one of {', '.join(MISSING_DATA)}",
        )


def _check_availability(availability: Availability, interval: int) -> None:
    where = "availability"
    _check_range(availability.target_percent, f"{where}.target_percent", 0, 100, "a percentage")
    _check_places(availability.target_percent, f"{where}.target_percent")
    minutes = availability.rectification_minutes
    if minutes < 0 or minutes % interval:
        _fail(
            f"{where}.rectification_minutes",
            f"{where}.rectification_minutes is {minutes}: give 0 or more minutes, "
            f"a multiple of measurement.interval_minutes ({interval})",
        )
    _check_range(availability.ubu_factor, f"{where}.ubu_factor", 0, 1, 'an "unavailable but used" factor')
    previous = Decimal(1)
    for index, multiplier in enumerate(availability.ratchet):
        field = f"{where}.ratchet[{index}]"
        if not multiplier.is_finite() or multiplier < 1:
            _fail(field, f"{field} is {_percent_text(multiplier)}: a ratchet multiplier must be at least 1")
        if multiplier < previous:
            _fail(
                field,
                f"{field} is {_percent_text(multiplier)}, below the tier before it ({_percent_text(previous)}): "
                f"the multipliers must not fall from one tier to the next",
            )
        previous = multiplier
    if availability.mode not in MODES:
        _fail(f"{where}.mode", f"{where}.mode is {availability.mode!r}: give share or rate")
    if availability.mode == "rate":
        if availability.rate is None:
            _fail(f"{where}.rate", f"{where}.rate is missing: rate mode needs an amount per deductible slot")
        if not availability.rate.is_finite() or availability.rate <= 0:
            _fail(f"{where}.rate", f"{where}.rate is {availability.rate}: give an amount per slot above 0")
    elif availability.rate is not None:
        _fail(
            f"{where}.rate",
            f"{where}.rate is {availability.rate} but mode is share, which does not use it: "
            f"set rate to null, or mode to rate",
        )


def _check_period(period: ServiceHours, here: str, interval: int) -> None:
    """One period of service hours: known days, each once; times on the interval's grid; to after from."""
    if not period.days:
        _fail(f"{here}.days", f"{here}.days is empty: give the days, e.g. [mon, tue, wed, thu, fri]")
    for day_index, day in enumerate(period.days):
        if day not in DAYS:
            _fail(f"{here}.days[{day_index}]", f"{here}.days[{day_index}] is {day!r}: give one of {', '.join(DAYS)}")
        if day in period.days[:day_index]:
            _fail(f"{here}.days[{day_index}]", f"{here}.days[{day_index}]: {day} is given twice: give each day once")
    for name, time in (("from", period.from_), ("to", period.to)):
        if not _TIME.fullmatch(time):
            _fail(f"{here}.{name}", f'{here}.{name} is {time!r}: give a time "HH:MM" from "00:00" to "24:00"')
        if _minute(time) % interval:
            _fail(
                f"{here}.{name}",
                f"{here}.{name} is {time}: service hours must fall on the measurement interval's grid "
                f"(every {interval} minutes from midnight)",
            )
    if period.to_minute <= period.from_minute:
        _fail(
            f"{here}.to",
            f"{here}.to is {period.to}, not after from ({period.from_}): hours end after they start; "
            f'split hours across midnight into two periods (to "24:00", then from "00:00" the next day)',
        )


def _check_service_hours(hours: Sequence[ServiceHours], where: str, interval: int) -> None:
    if not hours:
        _fail(where, f"{where} is empty: give at least one period, e.g. every day from 00:00 to 24:00")
    by_day: dict[str, list[tuple[int, int, int]]] = {}
    for index, period in enumerate(hours):
        _check_period(period, f"{where}[{index}]", interval)
        for day in period.days:
            by_day.setdefault(day, []).append((period.from_minute, period.to_minute, index))
    for day in DAYS:
        # sorted by start, two periods of a day overlap only if two neighbours do
        for (start_a, end_a, index_a), (start_b, end_b, index_b) in pairwise(sorted(by_day.get(day, []))):
            if start_b < end_a:
                later, earlier = max(index_a, index_b), min(index_a, index_b)
                _fail(
                    f"{where}[{later}]",
                    f"{where}[{later}] overlaps {where}[{earlier}] on {day} "
                    f"({_clock(start_a)}-{_clock(end_a)} and {_clock(start_b)}-{_clock(end_b)}): "
                    f"give each time of a day once",
                )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _check_classes(classes: Sequence[AssetClass], interval: int) -> None:
    if not classes:
        _fail("asset_classes", "asset_classes is empty: give at least one asset class")
    seen: dict[str, int] = {}
    for index, asset_class in enumerate(classes):
        where = f"asset_classes[{index}]"
        if not _KEY.fullmatch(asset_class.key):
            _fail(f"{where}.key", f"{where}.key {asset_class.key!r} is not a key: use letters, digits, '_', '.', '-'")
        if asset_class.key in seen:
            _fail(
                f"{where}.key",
                f"{where}.key {asset_class.key!r} is also the key of asset_classes[{seen[asset_class.key]}]: "
                f"keys must be unique",
            )
        seen[asset_class.key] = index
        if not asset_class.name.strip():
            _fail(f"{where}.name", f"{where}.name is empty: name the class")
        _check_range(asset_class.weighting, f"{where}.weighting", 0, 100, "a weighting in percent")
        _check_service_hours(asset_class.service_hours, f"{where}.service_hours", interval)
    total = sum((c.weighting for c in classes), Decimal(0))
    if total != 100:
        _fail(
            "asset_classes",
            f"asset_classes: the weightings add up to {_percent_text(total)}, not 100: "
            f"change them so that they add up to exactly 100",
        )


def _check_kpis(kpis: Sequence[Kpi]) -> None:
    seen: dict[str, int] = {}
    for index, kpi in enumerate(kpis):
        where = f"kpis[{index}]"
        if not _KEY.fullmatch(kpi.key):
            _fail(f"{where}.key", f"{where}.key {kpi.key!r} is not a key: use letters, digits, '_', '.', '-'")
        if kpi.key in seen:
            _fail(
                f"{where}.key",
                f"{where}.key {kpi.key!r} is also the key of kpis[{seen[kpi.key]}]: keys must be unique",
            )
        seen[kpi.key] = index
        if not kpi.name.strip():
            _fail(f"{where}.name", f"{where}.name is empty: name the KPI")
        if kpi.kind not in KPI_KINDS:
            _fail(f"{where}.kind", f"{where}.kind is {kpi.kind!r}: give one of {', '.join(KPI_KINDS)}")
        if kpi.kind == "periodic":
            _check_range(kpi.target, f"{where}.target", 0, None, "a score to reach")
        elif not kpi.target.is_finite() or kpi.target <= 0:
            _fail(f"{where}.target", f"{where}.target is {_percent_text(kpi.target)}: give a number of hours above 0")
        _check_range(kpi.deduction_per_failure, f"{where}.deduction_per_failure", 0, None, "an amount")


def _check_regime(regime: Regime) -> None:
    if regime.format != FORMAT:
        _fail("format", f"format is {regime.format}: this version of CivicPact reads regimes of format {FORMAT}")
    if not _CURRENCY.fullmatch(regime.currency):
        _fail("currency", f"currency must be an ISO 4217 code in capitals such as 'EUR', not {regime.currency!r}")
    _check_charge(regime.unitary_charge)
    _check_measurement(regime.measurement)
    _check_availability(regime.availability, regime.measurement.interval_minutes)
    _check_classes(regime.asset_classes, regime.measurement.interval_minutes)
    _check_kpis(regime.kpis)
    if regime.bonus is not None:
        _check_range(regime.bonus.threshold_percent, "bonus.threshold_percent", 0, 100, "a percentage")
        _check_places(regime.bonus.threshold_percent, "bonus.threshold_percent")
        _check_range(regime.bonus.percent, "bonus.percent", 0, 100, "a percentage of the monthly charge")
    _check_range(regime.cap_percent, "cap_percent", 0, 100, "a percentage of the monthly charge")


# Writing plain data and text


def _amount(value: Decimal) -> str:
    return f"{value:f}"


def regime_to_mapping(regime: Regime) -> dict[str, Any]:
    """The regime as the document's plain data: amounts and percentages as strings, every field present."""
    charge = regime.unitary_charge
    availability = regime.availability
    return {
        "format": regime.format,
        "currency": regime.currency,
        "unitary_charge": {
            "annual": _amount(charge.annual),
            "indexation": None
            if charge.indexation is None
            else {"index": charge.indexation.index, "base": _amount(charge.indexation.base)},
        },
        "measurement": {
            "interval_minutes": regime.measurement.interval_minutes,
            "timezone": regime.measurement.timezone,
            "missing_data": regime.measurement.missing_data,
        },
        "availability": {
            "target_percent": _amount(availability.target_percent),
            "rectification_minutes": availability.rectification_minutes,
            "ubu_factor": _amount(availability.ubu_factor),
            "ratchet": [_amount(multiplier) for multiplier in availability.ratchet],
            "mode": availability.mode,
            "rate": None if availability.rate is None else _amount(availability.rate),
        },
        "asset_classes": [
            {
                "key": asset_class.key,
                "name": asset_class.name,
                "weighting": _amount(asset_class.weighting),
                "service_hours": [
                    {"days": list(period.days), "from": period.from_, "to": period.to}
                    for period in asset_class.service_hours
                ],
            }
            for asset_class in regime.asset_classes
        ],
        "kpis": [
            {
                "key": kpi.key,
                "name": kpi.name,
                "kind": kpi.kind,
                "target": _amount(kpi.target),
                "deduction_per_failure": _amount(kpi.deduction_per_failure),
            }
            for kpi in regime.kpis
        ],
        "bonus": None
        if regime.bonus is None
        else {"threshold_percent": _amount(regime.bonus.threshold_percent), "percent": _amount(regime.bonus.percent)},
        "cap_percent": _amount(regime.cap_percent),
    }


def _yaml() -> Any:
    try:
        return importlib.import_module("yaml")
    except ModuleNotFoundError as error:  # pragma: no cover - depends on the installation
        raise ModuleNotFoundError("reading or writing a regime as YAML needs PyYAML: install pyyaml") from error


def _reject_constant(name: str) -> NoReturn:
    _fail("(document)", f"the regime is not valid JSON: {name} is not a number")


def regime_from_text(text: str, *, format: TextFormat = "yaml") -> Regime:
    """A regime from a YAML or JSON document, checked; a syntax error names "(document)" and the line."""
    if len(text) > MAX_TEXT:
        _fail("(document)", f"the regime is {len(text)} characters long: the limit is {MAX_TEXT}")
    data: Any
    if format == "json":
        try:
            data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
        except json.JSONDecodeError as error:
            _fail("(document)", f"the regime is not valid JSON: line {error.lineno} column {error.colno}: {error.msg}")
    elif format == "yaml":
        yaml = _yaml()
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
            problem = getattr(error, "problem", None) or str(error)
            _fail("(document)", f"the regime is not valid YAML: {where}{problem}")
    else:
        raise ValueError(f"format must be 'yaml' or 'json', not {format!r}")
    return regime_from_mapping(data)


def regime_to_text(regime: Regime, format: TextFormat = "yaml") -> str:
    """The regime as a YAML or JSON document that `regime_from_text` reads back to an equal regime."""
    data = regime_to_mapping(regime)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "yaml":
        yaml = _yaml()

        class Dumper(yaml.SafeDumper):  # type: ignore[misc,name-defined]
            """Block style, times always in quotes (YAML 1.1 reads an unquoted 10:30 as a number)."""

        def represent_text(dumper: Any, value: str) -> Any:
            style = '"' if _TIME.fullmatch(value) else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        Dumper.add_representer(str, represent_text)
        text: str = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
        return text
    raise ValueError(f"format must be 'yaml' or 'json', not {format!r}")
