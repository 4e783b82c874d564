"""The risk library and the risk register's arithmetic.

Estimates are kept in the form the business case simulates directly: a probability per occurrence, a cost
range (min / most likely / max) with a triangular or PERT distribution, the years it may occur, and the share
transferred to the private partner. Probabilities are floats (they feed simulations); costs are Decimal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from civicpact.domain.money import to_cents


class RiskCategory(StrEnum):
    DESIGN = "design"
    BUILD_INTEGRATION = "build_integration"
    TECHNOLOGY_OBSOLESCENCE = "technology_obsolescence"
    DEMAND_USAGE = "demand_usage"
    AVAILABILITY_PERFORMANCE = "availability_performance"
    CYBER_SECURITY = "cyber_security"
    DATA_PROTECTION = "data_protection"
    REGULATORY_CHANGE_IN_LAW = "regulatory_change_in_law"
    POLITICAL = "political"
    FINANCIAL_INTEREST_INFLATION = "financial_interest_inflation"
    FORCE_MAJEURE = "force_majeure"
    VENDOR_LOCK_IN = "vendor_lock_in"
    EXIT_PORTABILITY = "exit_portability"
    LAND_AVAILABILITY = "land_availability"
    ENVIRONMENTAL = "environmental"
    COMPLETION = "completion"
    REVENUE = "revenue"
    FINANCE_AVAILABILITY = "finance_availability"
    REFINANCING = "refinancing"
    EARLY_TERMINATION = "early_termination"
    COMPLIANCE = "compliance"


# Our categories are finer than OCDS's riskCategory codelist for technology; each publishes as one code.
# Vendor lock-in and exit/portability materialise when the contract ends or is terminated early, so they
# publish as earlyTermination; obsolescence and cyber security threaten the service levels, so
# availabilityAndQuality; data protection is a legal duty, so compliance.
OCDS_CATEGORY: Mapping[RiskCategory, str] = {
    RiskCategory.DESIGN: "design",
    RiskCategory.BUILD_INTEGRATION: "construction",
    RiskCategory.TECHNOLOGY_OBSOLESCENCE: "availabilityAndQuality",
    RiskCategory.DEMAND_USAGE: "revenue",
    RiskCategory.AVAILABILITY_PERFORMANCE: "availabilityAndQuality",
    RiskCategory.CYBER_SECURITY: "availabilityAndQuality",
    RiskCategory.DATA_PROTECTION: "compliance",
    RiskCategory.REGULATORY_CHANGE_IN_LAW: "changeInLaw",
    RiskCategory.POLITICAL: "changeInLaw",
    RiskCategory.FINANCIAL_INTEREST_INFLATION: "inflationAndFx",
    RiskCategory.FORCE_MAJEURE: "forceMajeure",
    RiskCategory.VENDOR_LOCK_IN: "earlyTermination",
    RiskCategory.EXIT_PORTABILITY: "earlyTermination",
    RiskCategory.LAND_AVAILABILITY: "landAvailability",
    RiskCategory.ENVIRONMENTAL: "environmental",
    RiskCategory.COMPLETION: "completion",
    RiskCategory.REVENUE: "revenue",
    RiskCategory.FINANCE_AVAILABILITY: "financeAvailability",
    RiskCategory.REFINANCING: "refinancing",
    RiskCategory.EARLY_TERMINATION: "earlyTermination",
    RiskCategory.COMPLIANCE: "compliance",
}


def ocds_category(category: RiskCategory) -> str:
    return OCDS_CATEGORY[category]


MODEL_KEYS = ("concession_bot", "managed_services", "joint_venture", "alliance", "data_partnership")


@dataclass(frozen=True)
class LibraryRisk:
    category: RiskCategory
    title: str
    description: str
    default_share_transferred: Mapping[str, float]


def _shares(concession: float, managed: float, jv: float, alliance: float, data: float) -> Mapping[str, float]:
    return dict(zip(MODEL_KEYS, (concession, managed, jv, alliance, data), strict=True))


RISK_LIBRARY: tuple[LibraryRisk, ...] = (
    LibraryRisk(
        RiskCategory.DESIGN,
        "Design inadequate",
        "The design does not meet the requirements or needs rework.",
        _shares(0.9, 0.7, 0.5, 0.3, 0.5),
    ),
    LibraryRisk(
        RiskCategory.BUILD_INTEGRATION,
        "Build and integration overrun",
        "Installation or integration with city systems costs more or takes longer than planned.",
        _shares(0.9, 0.7, 0.5, 0.3, 0.5),
    ),
    LibraryRisk(
        RiskCategory.TECHNOLOGY_OBSOLESCENCE,
        "Technology obsolescence",
        "Hardware or software becomes outdated or unsupported before the end of the term.",
        _shares(0.8, 0.7, 0.5, 0.3, 0.5),
    ),
    LibraryRisk(
        RiskCategory.DEMAND_USAGE,
        "Demand and usage lower than expected",
        "Fewer users or lower usage than forecast reduce revenue or benefits.",
        _shares(0.8, 0.1, 0.5, 0.2, 0.5),
    ),
    LibraryRisk(
        RiskCategory.AVAILABILITY_PERFORMANCE,
        "Service unavailable or below standard",
        "The service fails its service levels.",
        _shares(1.0, 0.9, 0.5, 0.3, 0.5),
    ),
    LibraryRisk(
        RiskCategory.CYBER_SECURITY,
        "Cyber-security incident",
        "An attack compromises the service or its data.",
        _shares(0.7, 0.7, 0.5, 0.4, 0.5),
    ),
    LibraryRisk(
        RiskCategory.DATA_PROTECTION,
        "Personal data breach or misuse",
        "Personal data is processed unlawfully or leaked.",
        _shares(0.5, 0.5, 0.5, 0.5, 0.5),
    ),
    LibraryRisk(
        RiskCategory.REGULATORY_CHANGE_IN_LAW,
        "Change in law",
        "New law or regulation changes what the service must do or costs.",
        _shares(0.2, 0.1, 0.3, 0.1, 0.2),
    ),
    LibraryRisk(
        RiskCategory.POLITICAL,
        "Political change",
        "A change of policy or administration alters or cancels the project.",
        _shares(0.0, 0.0, 0.2, 0.0, 0.1),
    ),
    LibraryRisk(
        RiskCategory.FINANCIAL_INTEREST_INFLATION,
        "Interest rates and inflation",
        "Financing costs or prices rise beyond indexation.",
        _shares(0.7, 0.4, 0.5, 0.2, 0.4),
    ),
    LibraryRisk(
        RiskCategory.FORCE_MAJEURE,
        "Force majeure",
        "Events beyond both parties' control, such as floods or pandemics.",
        _shares(0.5, 0.5, 0.5, 0.5, 0.5),
    ),
    LibraryRisk(
        RiskCategory.VENDOR_LOCK_IN,
        "Vendor lock-in",
        "The city cannot change supplier without high cost because of proprietary technology or data.",
        _shares(0.3, 0.3, 0.4, 0.2, 0.3),
    ),
    LibraryRisk(
        RiskCategory.EXIT_PORTABILITY,
        "Exit and data portability",
        "Handing back assets, systems and data at the end costs more than planned.",
        _shares(0.6, 0.5, 0.5, 0.3, 0.4),
    ),
    LibraryRisk(
        RiskCategory.LAND_AVAILABILITY,
        "Site or asset access",
        "Sites, poles or ducts are not available when needed.",
        _shares(0.2, 0.1, 0.3, 0.1, 0.1),
    ),
    LibraryRisk(
        RiskCategory.ENVIRONMENTAL,
        "Environmental impact",
        "Contamination, waste or environmental permits affect the project.",
        _shares(0.6, 0.5, 0.5, 0.3, 0.3),
    ),
    LibraryRisk(
        RiskCategory.COMPLETION,
        "Late commissioning",
        "The service starts later than planned.",
        _shares(0.9, 0.7, 0.5, 0.3, 0.5),
    ),
    LibraryRisk(
        RiskCategory.REVENUE,
        "Revenue shortfall",
        "Third-party or user revenue is lower than forecast.",
        _shares(0.9, 0.2, 0.5, 0.3, 0.6),
    ),
    LibraryRisk(
        RiskCategory.FINANCE_AVAILABILITY,
        "Finance not available",
        "Finance cannot be raised on the expected terms.",
        _shares(1.0, 0.5, 0.6, 0.2, 0.6),
    ),
    LibraryRisk(
        RiskCategory.REFINANCING,
        "Refinancing",
        "Refinancing costs more, or its gains are not shared.",
        _shares(0.8, 0.5, 0.5, 0.2, 0.5),
    ),
    LibraryRisk(
        RiskCategory.EARLY_TERMINATION,
        "Early termination",
        "The contract ends early and compensation is disputed or insufficient.",
        _shares(0.5, 0.5, 0.5, 0.5, 0.5),
    ),
    LibraryRisk(
        RiskCategory.COMPLIANCE,
        "Regulatory compliance",
        "Permits or sector rules are not complied with.",
        _shares(0.7, 0.6, 0.5, 0.4, 0.5),
    ),
)


def library_risk(category: RiskCategory) -> LibraryRisk:
    return next(r for r in RISK_LIBRARY if r.category == category)


class Distribution(StrEnum):
    TRIANGULAR = "triangular"
    PERT = "pert"


@dataclass(frozen=True)
class Recurrence:
    """`once`, in `timing_year`; or possibly in each year from first_year to last_year, independently."""

    once: bool
    first_year: int = 1
    last_year: int = 1

    @property
    def occurrences(self) -> int:
        return 1 if self.once else self.last_year - self.first_year + 1


class RiskInputErrors(ValueError):
    """Every field error of an estimate at once, as (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


@dataclass(frozen=True)
class RiskEstimate:
    probability: float
    cost_min: Decimal
    cost_most_likely: Decimal
    cost_max: Decimal
    distribution: Distribution
    recurrence: Recurrence
    share_transferred: float
    timing_year: int = 1

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RiskEstimate:
        errors: list[tuple[str, str]] = []
        probability = _float(
            data, "probability", errors, low=0.0, high=1.0, message="probability must be between 0 and 1"
        )
        share = _float(
            data, "share_transferred", errors, low=0.0, high=1.0, message="share_transferred must be between 0 and 1"
        )
        costs = {key: _money(data, key, errors) for key in ("cost_min", "cost_most_likely", "cost_max")}
        low, likely, high = costs["cost_min"], costs["cost_most_likely"], costs["cost_max"]
        if low is not None and likely is not None and low > likely:
            errors.append(("cost_min", "cost_min must not exceed cost_most_likely"))
        if likely is not None and high is not None and likely > high:
            errors.append(("cost_max", "cost_max must not be below cost_most_likely"))
        try:
            distribution = Distribution(str(data.get("distribution", "triangular")))
        except ValueError:
            errors.append(("distribution", "distribution must be 'triangular' or 'pert'"))
            distribution = Distribution.TRIANGULAR
        once = data.get("once", True)
        if not isinstance(once, bool):
            errors.append(("once", "once must be true or false"))
            once = True
        first = _year(data, "first_year", errors)
        last = _year(data, "last_year", errors)
        timing = _year(data, "timing_year", errors)
        if not once and first > last:
            errors.append(("last_year", "last_year must not come before first_year"))
        if errors:
            raise RiskInputErrors(errors)
        if low is None or likely is None or high is None:  # unreachable: a cost error was recorded above
            raise RiskInputErrors([("cost_min", "costs must be amounts")])
        return cls(probability, low, likely, high, distribution, Recurrence(once, first, last), share, timing)


def _float(
    data: Mapping[str, Any], key: str, errors: list[tuple[str, str]], *, low: float, high: float, message: str
) -> float:
    value = data.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.append((key, message))
        return low
    if isinstance(value, bool) or not low <= number <= high:
        errors.append((key, message))
    return number


def _money(data: Mapping[str, Any], key: str, errors: list[tuple[str, str]]) -> Decimal | None:
    try:
        amount = Decimal(str(data.get(key)))
    except InvalidOperation:
        errors.append((key, f"{key} must be an amount"))
        return None
    if not amount.is_finite() or amount < 0:
        errors.append((key, f"{key} must be zero or more"))
        return None
    return amount


def _year(data: Mapping[str, Any], key: str, errors: list[tuple[str, str]]) -> int:
    value: object = data.get(key, 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        errors.append((key, f"{key} must be a contract year from 1 to 60"))
        return 1
    return value


def mean_impact(est: RiskEstimate) -> Decimal:
    a, m, b = est.cost_min, est.cost_most_likely, est.cost_max
    if est.distribution == Distribution.PERT:
        return (a + 4 * m + b) / 6
    return (a + m + b) / 3


def expected_cost(est: RiskEstimate) -> Decimal:
    """Probability x mean impact x the number of years it may occur, to the cent."""
    return to_cents(Decimal(str(est.probability)) * mean_impact(est) * est.recurrence.occurrences)


def transferred_expected_cost(est: RiskEstimate) -> Decimal:
    return to_cents(expected_cost(est) * Decimal(str(est.share_transferred)))


def retained_expected_cost(est: RiskEstimate) -> Decimal:
    """What stays with the city: the expected cost less the transferred part (so the two always add up)."""
    return expected_cost(est) - transferred_expected_cost(est)


def expected_value_of_discrete(outcomes: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ probability x cost over discrete outcomes; probabilities must add up to 1."""
    total_probability = sum((p for p, _ in outcomes), Decimal("0"))
    if total_probability != 1:
        raise ValueError(f"probabilities add up to {total_probability}, not 1")
    return sum((p * cost for p, cost in outcomes), Decimal("0"))


def most_likely_of_discrete(outcomes: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    return max(outcomes, key=lambda pair: pair[0])[1]


def ocds_allocation(share_transferred: float) -> tuple[str, str]:
    """OCDS has no 'shared': the party with the larger share, 'undefined' only for an even split."""
    private = round(share_transferred * 100)
    if private == 0:
        return "publicAuthority", "Wholly retained by the public authority."
    if private == 100:
        return "privateParty", "Wholly transferred to the private party."
    notes = f"Shared: {private}% private party, {100 - private}% public authority."
    if private == 50:
        return "undefined", notes
    return ("privateParty" if private > 50 else "publicAuthority"), notes


def allocation_label(share_transferred: float) -> str:
    private = round(share_transferred * 100)
    if private == 0:
        return "public authority"
    if private == 100:
        return "private party"
    return f"shared ({private}/{100 - private})"


LIKELIHOOD_BANDS = (0.05, 0.2, 0.5, 0.8)


def likelihood_band(probability: float) -> int:
    """1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain."""
    return 1 + sum(probability >= edge for edge in LIKELIHOOD_BANDS)


def impact_band(cost: Decimal, thresholds: Sequence[Decimal]) -> int:
    """1..5 given four ascending cost thresholds."""
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds):
        raise ValueError("impact bands need four ascending thresholds")
    return 1 + sum(cost >= edge for edge in thresholds)


def heat_map(
    risks: Sequence[tuple[Hashable, RiskEstimate]], thresholds: Sequence[Decimal]
) -> dict[tuple[int, int], list[Hashable]]:
    """(likelihood band, impact band) → risk ids."""
    cells: dict[tuple[int, int], list[Hashable]] = defaultdict(list)
    for risk_id, est in risks:
        cells[(likelihood_band(est.probability), impact_band(est.cost_most_likely, thresholds))].append(risk_id)
    return dict(cells)


def rating(likelihood: int, impact: int) -> str:
    product = likelihood * impact
    if product <= 4:
        return "low"
    if product <= 9:
        return "medium"
    if product <= 14:
        return "high"
    return "extreme"
