"""PPP suitability screening: is a partnership worth pursuing for this project, and why?

Rules, in order (the first that applies decides):
1. NOT READY when the public need is unclear (public_need_clear < 2) or the scope is undefined
   (scope_defined < 2), or when no market interest has been shown (private_interest == 0: sound the market
   first).
2. TRADITIONAL PROCUREMENT when the need is a commodity sold off the shelf (commodity_need) and neither
   expertise (expertise_gap <= 1) nor innovation speed (innovation_speed <= 1) is wanted; or when the
   partnership would last under 3 years, too short to pay back a PPP's set-up cost.
3. Otherwise a weighted score of the PPP drivers, scaled to 0..100: value over traditional procurement (3),
   expertise gap (2), capital constraint (2), innovation speed (2), risk transfer (2), operational
   efficiency (2), private interest (1). PPP WORTH PURSUING at 55 or more; else TRADITIONAL PROCUREMENT.

The drivers returned are the answers that pushed the outcome: the blocking ones, or for a scored outcome
the answers of 3 or more (for a PPP) and of 1 or less (against), strongest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

PPP_THRESHOLD = 55
MIN_YEARS = 3


class Outcome(StrEnum):
    PPP_WORTH_PURSUING = "ppp_worth_pursuing"
    TRADITIONAL_BETTER = "traditional_better"
    NOT_READY = "not_ready"

    @property
    def label(self) -> str:
        return {
            "ppp_worth_pursuing": "PPP worth pursuing",
            "traditional_better": "Traditional procurement is the better fit",
            "not_ready": "Not ready yet",
        }[self.value]


Kind = Literal["scale", "yes_no", "years"]


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    help: str
    kind: Kind


QUESTIONS: tuple[Question, ...] = (
    Question(
        "public_need_clear",
        "How clearly is the public need established?",
        "0 = an idea only; 4 = evidenced, agreed by the departments concerned.",
        "scale",
    ),
    Question(
        "private_interest",
        "How much market interest has been shown?",
        "From market soundings, industry days or unsolicited approaches. 0 = none yet.",
        "scale",
    ),
    Question(
        "value_over_traditional",
        "How much value could a partnership add over buying it traditionally?",
        "Whole-life integration, performance-based pay, shared innovation.",
        "scale",
    ),
    Question(
        "scope_defined",
        "How well is the scope defined?",
        "Outputs, boundaries and interfaces with other city systems.",
        "scale",
    ),
    Question(
        "expertise_gap",
        "How large is the city's expertise gap?",
        "Skills the city lacks to design, build or run the service.",
        "scale",
    ),
    Question(
        "capital_constraint",
        "How tight is the city's capital budget for this?",
        "4 = the city cannot fund the investment up front.",
        "scale",
    ),
    Question(
        "innovation_speed",
        "How much does speed of innovation matter?",
        "Technology that changes fast, or a need to deploy quickly.",
        "scale",
    ),
    Question(
        "risk_transfer",
        "How much risk could a private partner manage better?",
        "Design, integration, availability, obsolescence, demand.",
        "scale",
    ),
    Question(
        "operational_efficiency",
        "How much operational efficiency could a partner bring?",
        "Economies of scale, remote monitoring, performance management.",
        "scale",
    ),
    Question(
        "commodity_need",
        "Is this a well-defined commodity that is readily bought off the shelf?",
        "E.g. standard laptops or office software licences.",
        "yes_no",
    ),
    Question(
        "lifecycle_years",
        "How many years would the partnership last?",
        "Technology partnerships usually run 5 to 10 years.",
        "years",
    ),
)

SCALE_KEYS = tuple(q.key for q in QUESTIONS if q.kind == "scale")
WEIGHTS: Mapping[str, int] = {
    "value_over_traditional": 3,
    "expertise_gap": 2,
    "capital_constraint": 2,
    "innovation_speed": 2,
    "risk_transfer": 2,
    "operational_efficiency": 2,
    "private_interest": 1,
}
MAX_SCORE = 4 * sum(WEIGHTS.values())

EXPLANATIONS: Mapping[str, tuple[str, str]] = {
    # key: (when high, when low)
    "value_over_traditional": (
        "A partnership could add value over traditional procurement.",
        "Little value over buying it traditionally.",
    ),
    "expertise_gap": ("The city lacks expertise a partner would bring.", "The city has the expertise itself."),
    "capital_constraint": ("The city cannot fund the investment up front.", "The city can fund the investment."),
    "innovation_speed": (
        "Innovation speed matters, which partners can provide.",
        "Speed of innovation matters little.",
    ),
    "risk_transfer": ("Risks exist that a partner can manage better.", "Few risks are better held by a partner."),
    "operational_efficiency": (
        "A partner could run the service more efficiently.",
        "Little operational efficiency to gain.",
    ),
    "private_interest": ("The market has shown interest.", "Market interest is weak."),
}


class ScreeningInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ScreeningAnswers:
    public_need_clear: int
    private_interest: int
    value_over_traditional: int
    scope_defined: int
    expertise_gap: int
    capital_constraint: int
    innovation_speed: int
    risk_transfer: int
    operational_efficiency: int
    commodity_need: bool
    lifecycle_years: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> ScreeningAnswers:
        known = {q.key: q for q in QUESTIONS}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ScreeningInputError(unknown[0], f"{unknown[0]} is not a screening question; remove it")
        values: dict[str, Any] = {}
        for question in QUESTIONS:
            if question.key not in data:
                raise ScreeningInputError(question.key, f"{question.key} is missing: answer every question")
            values[question.key] = _check(question, data[question.key])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(question: Question, value: object) -> int | bool:
    if question.kind == "yes_no":
        if not isinstance(value, bool):
            raise ScreeningInputError(question.key, f"{question.key} must be true or false")
        return value
    low, high = (1, 40) if question.kind == "years" else (0, 4)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScreeningInputError(question.key, f"{question.key} must be a whole number from {low} to {high}")
    return value


DriverEffect = Literal["for_ppp", "against_ppp", "blocking"]


@dataclass(frozen=True)
class Driver:
    key: str
    answer: int | bool
    effect: DriverEffect
    explanation: str


@dataclass(frozen=True)
class ScreeningResult:
    outcome: Outcome
    ppp_score: int
    drivers: tuple[Driver, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "label": self.outcome.label,
            "ppp_score": self.ppp_score,
            "drivers": [asdict(d) for d in self.drivers],
        }


def ppp_score(answers: ScreeningAnswers) -> int:
    total: int = sum(weight * int(getattr(answers, key)) for key, weight in WEIGHTS.items())
    return round(100 * total / MAX_SCORE)


def _blocking(answers: ScreeningAnswers) -> tuple[Outcome, tuple[Driver, ...]] | None:
    blockers: list[Driver] = []
    if answers.public_need_clear < 2:
        blockers.append(
            Driver(
                "public_need_clear",
                answers.public_need_clear,
                "blocking",
                "The public need is not yet clearly established.",
            )
        )
    if answers.scope_defined < 2:
        blockers.append(
            Driver(
                "scope_defined", answers.scope_defined, "blocking", "The scope is not defined well enough to assess."
            )
        )
    if answers.private_interest == 0:
        blockers.append(
            Driver("private_interest", 0, "blocking", "No market interest shown yet: sound the market first.")
        )
    if blockers:
        return Outcome.NOT_READY, tuple(blockers)
    if answers.commodity_need and answers.expertise_gap <= 1 and answers.innovation_speed <= 1:
        return Outcome.TRADITIONAL_BETTER, (
            Driver(
                "commodity_need",
                True,
                "blocking",
                "A commodity the market sells off the shelf, with no expertise or innovation to gain.",
            ),
        )
    if answers.lifecycle_years < MIN_YEARS:
        return Outcome.TRADITIONAL_BETTER, (
            Driver(
                "lifecycle_years",
                answers.lifecycle_years,
                "blocking",
                f"Under {MIN_YEARS} years is too short for a partnership to pay back its set-up cost.",
            ),
        )
    return None


def screen(answers: ScreeningAnswers) -> ScreeningResult:
    score = ppp_score(answers)
    blocked = _blocking(answers)
    if blocked is not None:
        return ScreeningResult(blocked[0], score, blocked[1])
    outcome = Outcome.PPP_WORTH_PURSUING if score >= PPP_THRESHOLD else Outcome.TRADITIONAL_BETTER
    drivers = []
    for key, weight in sorted(WEIGHTS.items(), key=lambda kv: -kv[1]):
        value = getattr(answers, key)
        high, low = EXPLANATIONS[key]
        if value >= 3:
            drivers.append((weight * value, Driver(key, value, "for_ppp", high)))
        elif value <= 1:
            drivers.append((weight * (4 - value), Driver(key, value, "against_ppp", low)))
    drivers.sort(key=lambda pair: -pair[0])
    return ScreeningResult(outcome, score, tuple(d for _, d in drivers))
