"""Partnership model choice and procurement route choice: ranked, explained, and mapped to OCDS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class StructuringInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PartnershipModel(StrEnum):
    CONCESSION_BOT = "concession_bot"
    MANAGED_SERVICES = "managed_services"
    JOINT_VENTURE = "joint_venture"
    ALLIANCE = "alliance"
    DATA_PARTNERSHIP = "data_partnership"

    @property
    def label(self) -> str:
        return MODEL_LABELS[self]


MODEL_LABELS = {
    PartnershipModel.CONCESSION_BOT: "Concession / BOT",
    PartnershipModel.MANAGED_SERVICES: "Managed services",
    PartnershipModel.JOINT_VENTURE: "Joint venture",
    PartnershipModel.ALLIANCE: "Alliance",
    PartnershipModel.DATA_PARTNERSHIP: "Data partnership",
}


def _int(data: Mapping[str, object], key: str, low: int, high: int) -> int:
    if key not in data:
        raise StructuringInputError(key, f"{key} is missing")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StructuringInputError(key, f"{key} must be a whole number from {low} to {high}")
    return value


def _bool(data: Mapping[str, object], key: str) -> bool:
    if key not in data:
        raise StructuringInputError(key, f"{key} is missing")
    value = data[key]
    if not isinstance(value, bool):
        raise StructuringInputError(key, f"{key} must be true or false")
    return value


def _refuse_unknown(data: Mapping[str, object], cls: type) -> None:
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise StructuringInputError(unknown[0], f"{unknown[0]} is not a known field; remove it")


@dataclass(frozen=True)
class ModelConsiderations:
    """0..4 scales unless said. Trade-offs: 0 favours the first named side, 4 the second."""

    capabilities_needed: int
    risk_transfer_wanted: int
    public_funding_available: int
    duration_years: int
    governance_complexity_acceptable: int
    control_vs_flexibility: int
    risk_transfer_vs_cost: int
    innovation_vs_predictability: int
    speed_vs_thoroughness: int
    data_centric: bool

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> ModelConsiderations:
        _refuse_unknown(data, cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "data_centric":
                values[f.name] = _bool(data, f.name)
            elif f.name == "duration_years":
                values[f.name] = _int(data, f.name, 1, 40)
            else:
                values[f.name] = _int(data, f.name, 0, 4)
        return cls(**values)


@dataclass(frozen=True)
class ModelFit:
    model: PartnershipModel
    score: int
    reasons: tuple[str, ...]


def _fit_concession(c: ModelConsiderations) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    if c.duration_years >= 10:
        score += 3
        reasons.append(
            f"Long duration ({c.duration_years} years) suits a concession that needs time to recover capital."
        )
    elif c.duration_years < 5:
        score -= 2
        reasons.append(f"A short term ({c.duration_years} years) is too brief for a concession to recover capital.")
    score += 1.5 * (4 - c.public_funding_available) / 4 * 2
    if c.public_funding_available <= 1:
        reasons.append("Little public funding: the concessionaire finances the investment.")
    score += c.risk_transfer_wanted * 0.75 + c.risk_transfer_vs_cost * 0.5
    if c.risk_transfer_wanted >= 3:
        reasons.append("Most risk transfer is wanted, which a concession gives.")
    score -= c.control_vs_flexibility * 0.5
    if c.control_vs_flexibility >= 3:
        reasons.append("Flexibility matters, and a concession is the least flexible model.")
    score -= c.innovation_vs_predictability * 0.25
    return score, reasons


def _fit_managed(c: ModelConsiderations) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    score += (4 - c.control_vs_flexibility) * 0.75
    if c.control_vs_flexibility <= 1:
        reasons.append("The city must keep control: it owns the assets and pays for performance.")
    score += c.capabilities_needed * 0.5
    if c.capabilities_needed >= 3:
        reasons.append("The partner's operating capability is needed, paid on performance.")
    if 3 <= c.duration_years <= 10:
        score += 2
        reasons.append(f"A medium term ({c.duration_years} years) fits a managed-services contract.")
    score += c.public_funding_available * 0.5
    if c.public_funding_available >= 3:
        reasons.append("Public funding is available for the assets; the partner runs them.")
    score += (4 - c.innovation_vs_predictability) * 0.25
    return score, reasons


def _fit_joint_venture(c: ModelConsiderations) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    score += (c.governance_complexity_acceptable - 2) * 1.25
    if c.governance_complexity_acceptable >= 3:
        reasons.append("Heavy shared governance is acceptable, as a joint venture requires.")
    else:
        reasons.append("A joint venture needs heavy shared governance, which is not wanted here.")
    score += 1.0 if 1 <= c.risk_transfer_vs_cost <= 3 else 0.0
    score += (2 - abs(c.risk_transfer_wanted - 2)) * 0.75
    if 1 <= c.risk_transfer_wanted <= 3:
        reasons.append("Shared risk and reward suit the risk appetite.")
    if c.duration_years >= 8:
        score += 1
    score += c.capabilities_needed * 0.25
    return score, reasons


def _fit_alliance(c: ModelConsiderations) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    score += c.innovation_vs_predictability * 0.75
    if c.innovation_vs_predictability >= 3:
        reasons.append("Innovation matters more than predictability, which an alliance allows.")
    score += c.control_vs_flexibility * 0.75
    if c.control_vs_flexibility >= 3:
        reasons.append("Flexibility matters: an alliance collaborates without an ownership structure.")
    score += c.speed_vs_thoroughness * 0.5
    if c.duration_years <= 4:
        score += 2
        reasons.append(f"A short term ({c.duration_years} years) suits a pilot-style alliance.")
    elif c.duration_years > 8:
        score -= 1.5
    score -= c.risk_transfer_wanted * 0.5
    if c.risk_transfer_wanted >= 3:
        reasons.append("An alliance transfers little risk, and much transfer is wanted.")
    return score, reasons


def _fit_data(c: ModelConsiderations) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    if c.data_centric:
        score += 6.5
        reasons.append("The value lies mainly in shared data; privacy and data governance will be critical.")
    else:
        score -= 3
        reasons.append("The value is not mainly in data, so a data partnership adds little.")
    score += c.innovation_vs_predictability * 0.25 + (4 - c.public_funding_available) * 0.25
    return score, reasons


ESSENCE = {
    PartnershipModel.CONCESSION_BOT: "A concession transfers the most risk over long terms, least flexibly.",
    PartnershipModel.MANAGED_SERVICES: "Managed services keep control with the city and pay on performance.",
    PartnershipModel.JOINT_VENTURE: "A joint venture shares ownership, risk and reward under heavy governance.",
    PartnershipModel.ALLIANCE: "An alliance is flexible and innovative but less predictable.",
    PartnershipModel.DATA_PARTNERSHIP: "A data partnership shares data assets; privacy and governance are critical.",
}

FITTERS = {
    PartnershipModel.CONCESSION_BOT: _fit_concession,
    PartnershipModel.MANAGED_SERVICES: _fit_managed,
    PartnershipModel.JOINT_VENTURE: _fit_joint_venture,
    PartnershipModel.ALLIANCE: _fit_alliance,
    PartnershipModel.DATA_PARTNERSHIP: _fit_data,
}
RAW_RANGE = (-8.0, 14.0)


def rank_models(c: ModelConsiderations) -> tuple[ModelFit, ...]:
    """The five models, best fit first, each with the considerations that moved it."""
    low, high = RAW_RANGE
    fits = []
    for order, model in enumerate(PartnershipModel):
        raw, reasons = FITTERS[model](c)
        if not reasons:
            reasons = [f"{ESSENCE[model]} Nothing entered here strongly favours or rules it out."]
        score = round(100 * (min(max(raw, low), high) - low) / (high - low))
        fits.append((-score, order, ModelFit(model, score, tuple(reasons))))
    return tuple(fit for _, _, fit in sorted(fits))


class Route(StrEnum):
    OPEN_TENDER = "open_tender"
    RESTRICTED_TENDER = "restricted_tender"
    COMPETITIVE_DIALOGUE = "competitive_dialogue"
    MULTI_STAGE = "multi_stage"
    PRE_COMMERCIAL = "pre_commercial"
    INNOVATION_PROCUREMENT = "innovation_procurement"
    CHALLENGE_BASED = "challenge_based"
    LIVING_LAB = "living_lab"
    GRANT_PROGRAMME = "grant_programme"
    SOLE_SOURCE = "sole_source"
    UNSOLICITED_PROPOSAL = "unsolicited_proposal"

    @property
    def label(self) -> str:
        return ROUTE_LABELS[self]


ROUTE_LABELS = {
    Route.OPEN_TENDER: "Open tender",
    Route.RESTRICTED_TENDER: "Restricted tender (with pre-qualification)",
    Route.COMPETITIVE_DIALOGUE: "Competitive dialogue / negotiation",
    Route.MULTI_STAGE: "Multi-stage selection (shortlist, dialogue, best and final offer)",
    Route.PRE_COMMERCIAL: "Pre-commercial procurement (PCP)",
    Route.INNOVATION_PROCUREMENT: "Public procurement of innovation (PPI)",
    Route.CHALLENGE_BASED: "Challenge-based procurement",
    Route.LIVING_LAB: "Living lab pilot",
    Route.GRANT_PROGRAMME: "Grant programme",
    Route.SOLE_SOURCE: "Sole source (justified)",
    Route.UNSOLICITED_PROPOSAL: "Unsolicited proposal (Swiss challenge)",
}


class SoleSourceJustification(StrEnum):
    ONLY_ONE_CAPABLE_SUPPLIER = "only_one_capable_supplier"
    EXTREME_URGENCY = "extreme_urgency"
    ADDITIONAL_DELIVERIES = "additional_deliveries"
    NO_SUITABLE_TENDERS = "no_suitable_tenders"
    RESEARCH_AND_DEVELOPMENT_ONLY = "research_and_development_only"

    @property
    def label(self) -> str:
        return {
            "only_one_capable_supplier": "Only one supplier can do it (technical reasons or exclusive rights)",
            "extreme_urgency": "Extreme urgency from unforeseeable events",
            "additional_deliveries": "Additional deliveries compatible with an existing installation",
            "no_suitable_tenders": "No suitable tenders in a previous open procedure",
            "research_and_development_only": "Purely for research and development",
        }[self.value]


LARGE_VALUE = Decimal("5000000")


@dataclass(frozen=True)
class RouteFacts:
    solution_on_market: int
    need_can_be_specified: int
    outcome_defined_not_spec: bool
    needs_real_world_testing: bool
    dialogue_needed: bool
    many_capable_suppliers: int
    unsolicited_proposal_received: bool
    grant_funded: bool
    sole_source_justification: SoleSourceJustification | None
    estimated_value: Decimal

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> RouteFacts:
        _refuse_unknown(data, cls)
        justification_raw = data.get("sole_source_justification")
        justification = None
        if justification_raw not in (None, ""):
            try:
                justification = SoleSourceJustification(str(justification_raw))
            except ValueError:
                allowed = ", ".join(j.value for j in SoleSourceJustification)
                raise StructuringInputError(
                    "sole_source_justification", f"sole_source_justification must be one of: {allowed}"
                ) from None
        if "estimated_value" not in data:
            raise StructuringInputError("estimated_value", "estimated_value is missing")
        try:
            value = Decimal(str(data["estimated_value"]))
        except InvalidOperation:
            raise StructuringInputError("estimated_value", "estimated_value must be a number") from None
        if not value.is_finite() or value < 0:
            raise StructuringInputError("estimated_value", "estimated_value must be zero or more")
        return cls(
            solution_on_market=_int(data, "solution_on_market", 0, 4),
            need_can_be_specified=_int(data, "need_can_be_specified", 0, 4),
            outcome_defined_not_spec=_bool(data, "outcome_defined_not_spec"),
            needs_real_world_testing=_bool(data, "needs_real_world_testing"),
            dialogue_needed=_bool(data, "dialogue_needed"),
            many_capable_suppliers=_int(data, "many_capable_suppliers", 0, 4),
            unsolicited_proposal_received=_bool(data, "unsolicited_proposal_received"),
            grant_funded=_bool(data, "grant_funded"),
            sole_source_justification=justification,
            estimated_value=value,
        )


@dataclass(frozen=True)
class RouteRecommendation:
    route: Route
    rule: str
    alternatives: tuple[Route, ...]


def recommend_route(f: RouteFacts) -> RouteRecommendation:  # noqa: PLR0911 - one return per rule, in order
    """The first rule that applies wins; `rule` says which, in one sentence."""
    if f.unsolicited_proposal_received:
        return RouteRecommendation(
            Route.UNSOLICITED_PROPOSAL,
            "An unsolicited proposal was received → Swiss challenge: the city must still "
            "test the market, and the proponent may match a better offer.",
            (Route.OPEN_TENDER, Route.COMPETITIVE_DIALOGUE),
        )
    if f.sole_source_justification is not None:
        if f.many_capable_suppliers <= 1:
            return RouteRecommendation(
                Route.SOLE_SOURCE,
                f"Sole source justified: {f.sole_source_justification.label.lower()}, and "
                "at most one capable supplier exists.",
                (Route.RESTRICTED_TENDER,),
            )
        sole_note = (
            " A sole-source justification was given, but several capable suppliers exist, so competition applies."
        )
    else:
        sole_note = ""
    if f.grant_funded and f.solution_on_market <= 1:
        return RouteRecommendation(
            Route.GRANT_PROGRAMME,
            "Grant-funded and the solution is not on the market → grant programme." + sole_note,
            (Route.PRE_COMMERCIAL, Route.CHALLENGE_BASED),
        )
    if f.solution_on_market == 0:
        return RouteRecommendation(
            Route.PRE_COMMERCIAL,
            "Solution not on the market yet → pre-commercial procurement." + sole_note,
            (Route.CHALLENGE_BASED, Route.LIVING_LAB),
        )
    if f.needs_real_world_testing:
        return RouteRecommendation(
            Route.LIVING_LAB,
            "Must be tested in real city settings before buying → living lab pilot." + sole_note,
            (Route.INNOVATION_PROCUREMENT, Route.PRE_COMMERCIAL),
        )
    if f.outcome_defined_not_spec:
        return RouteRecommendation(
            Route.CHALLENGE_BASED,
            "The problem and outcome are known but not the solution → challenge-based procurement." + sole_note,
            (Route.COMPETITIVE_DIALOGUE, Route.INNOVATION_PROCUREMENT),
        )
    if f.solution_on_market <= 2:
        return RouteRecommendation(
            Route.INNOVATION_PROCUREMENT,
            "Solution near the market → public procurement of innovation." + sole_note,
            (Route.COMPETITIVE_DIALOGUE, Route.LIVING_LAB),
        )
    if f.dialogue_needed or f.need_can_be_specified <= 1:
        return RouteRecommendation(
            Route.COMPETITIVE_DIALOGUE,
            "Complex, or the need cannot be fully specified → competitive dialogue." + sole_note,
            (Route.MULTI_STAGE, Route.RESTRICTED_TENDER),
        )
    if f.many_capable_suppliers >= 3:
        if f.estimated_value >= LARGE_VALUE:
            return RouteRecommendation(
                Route.RESTRICTED_TENDER,
                "A specifiable solution, many suppliers and a large value (5 million or "
                "more) → restricted tender with pre-qualification." + sole_note,
                (Route.OPEN_TENDER, Route.MULTI_STAGE),
            )
        return RouteRecommendation(
            Route.OPEN_TENDER,
            "A specifiable solution on the market with many suppliers → open tender." + sole_note,
            (Route.RESTRICTED_TENDER,),
        )
    return RouteRecommendation(
        Route.MULTI_STAGE,
        "Few capable suppliers for a specifiable solution → multi-stage selection with a shortlist." + sole_note,
        (Route.RESTRICTED_TENDER, Route.OPEN_TENDER),
    )


def route_requires_justification(route: Route) -> bool:
    return route == Route.SOLE_SOURCE


def validate_route_choice(route: Route, justification: SoleSourceJustification | None) -> None:
    if route_requires_justification(route) and justification is None:
        raise StructuringInputError(
            "sole_source_justification", "Sole source needs a justification from the list; otherwise compete."
        )


# OCDS procurementMethod per route. Pre-commercial procurement, PPI and challenge-based calls are open calls
# for tenders (anyone may answer; the field is narrowed afterwards by evaluation), so they map to "open";
# procedures that shortlist before inviting offers map to "selective".
ROUTE_OCDS: Mapping[Route, str] = {
    Route.OPEN_TENDER: "open",
    Route.RESTRICTED_TENDER: "selective",
    Route.COMPETITIVE_DIALOGUE: "selective",
    Route.MULTI_STAGE: "selective",
    Route.PRE_COMMERCIAL: "open",
    Route.INNOVATION_PROCUREMENT: "open",
    Route.CHALLENGE_BASED: "open",
    Route.LIVING_LAB: "open",
    Route.GRANT_PROGRAMME: "open",
    Route.SOLE_SOURCE: "direct",
    Route.UNSOLICITED_PROPOSAL: "open",
}


def route_to_ocds(route: Route) -> tuple[str, str]:
    """(procurementMethod, procurementMethodDetails): our routes are finer than OCDS's four methods."""
    return ROUTE_OCDS[route], ROUTE_LABELS[route]
