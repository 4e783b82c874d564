"""Tender procedures and their timelines.

Every procedure is a configuration of one engine: the procurement route chosen at structuring decides the
procedure; each procedure has minimum durations (days from publication to the submission deadline, from the
clarification deadline to the submission deadline, and the standstill between the award and the contract).
The minimums here are defaults; a deployment may pass its own (national rules differ).

A timeline runs in this order, each step strictly after the one before (opening may coincide with the
submission deadline): publication → clarification deadline → submission deadline → opening → evaluation end →
standstill end.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum

from civicpact.domain.structuring import Route


class Procedure(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"
    DIALOGUE = "competitive_dialogue"
    PCP = "pre_commercial"
    CHALLENGE = "challenge_based"
    SWISS_CHALLENGE = "swiss_challenge"
    DIRECT = "direct_award"


PROCEDURE_LABELS = {
    Procedure.OPEN: "Open tender (single stage)",
    Procedure.RESTRICTED: "Restricted / multi-stage (pre-qualification, shortlist, invited bids)",
    Procedure.DIALOGUE: "Competitive dialogue or negotiation (rounds, best and final offer)",
    Procedure.PCP: "Pre-commercial procurement (solution design, prototype, test series)",
    Procedure.CHALLENGE: "Challenge-based call (problem and outcome published, solutions scored)",
    Procedure.SWISS_CHALLENGE: "Unsolicited proposal with a Swiss challenge",
    Procedure.DIRECT: "Direct award (justified sole source)",
}

ROUTE_PROCEDURE = {
    Route.OPEN_TENDER: Procedure.OPEN,
    Route.INNOVATION_PROCUREMENT: Procedure.OPEN,  # PPI buys near-market solutions through a competitive tender
    Route.RESTRICTED_TENDER: Procedure.RESTRICTED,
    Route.MULTI_STAGE: Procedure.RESTRICTED,
    Route.COMPETITIVE_DIALOGUE: Procedure.DIALOGUE,
    Route.PRE_COMMERCIAL: Procedure.PCP,
    Route.CHALLENGE_BASED: Procedure.CHALLENGE,
    Route.LIVING_LAB: Procedure.CHALLENGE,
    Route.GRANT_PROGRAMME: Procedure.CHALLENGE,
    Route.UNSOLICITED_PROPOSAL: Procedure.SWISS_CHALLENGE,
    Route.SOLE_SOURCE: Procedure.DIRECT,
}


def procedure_for_route(route: str) -> Procedure:
    return ROUTE_PROCEDURE[Route(route)]


@dataclass(frozen=True)
class Minimums:
    """Minimum durations in days."""

    submission_days: int  # publication -> submission deadline
    clarification_days: int  # clarification deadline -> submission deadline
    standstill_days: int  # evaluation end (award) -> standstill end


DEFAULT_MINIMUMS: Mapping[Procedure, Minimums] = {
    Procedure.OPEN: Minimums(30, 5, 10),
    Procedure.RESTRICTED: Minimums(30, 5, 10),
    Procedure.DIALOGUE: Minimums(30, 5, 10),
    Procedure.PCP: Minimums(30, 5, 10),
    Procedure.CHALLENGE: Minimums(21, 5, 10),
    Procedure.SWISS_CHALLENGE: Minimums(30, 5, 10),
    Procedure.DIRECT: Minimums(0, 0, 10),
}


@dataclass(frozen=True)
class Timeline:
    publication: datetime
    clarification_deadline: datetime
    submission_deadline: datetime
    opening: datetime
    evaluation_end: datetime
    standstill_end: datetime

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


STEP_LABELS = {
    "publication": "publication",
    "clarification_deadline": "the clarification deadline",
    "submission_deadline": "the submission deadline",
    "opening": "the opening",
    "evaluation_end": "the end of evaluation",
    "standstill_end": "the end of the standstill",
}


def timeline_errors(
    timeline: Timeline, procedure: Procedure, minimums: Mapping[Procedure, Minimums] | None = None
) -> dict[str, str]:
    """Problems by field: naive times, steps out of order, durations under the procedure's minimums."""
    errors: dict[str, str] = {}
    names = Timeline.field_names()
    for name in names:
        if getattr(timeline, name).tzinfo is None:
            errors[name] = f"{STEP_LABELS[name]} needs a time zone"
    if errors:
        return errors
    for before, after in itertools.pairwise(names):
        first, then = getattr(timeline, before), getattr(timeline, after)
        allowed_equal = after == "opening"
        if then < first or (then == first and not allowed_equal):
            errors[after] = f"{STEP_LABELS[after].capitalize()} must come after {STEP_LABELS[before]}"
    rule = (minimums or DEFAULT_MINIMUMS)[procedure]
    checks = (
        (
            "submission_deadline",
            timeline.submission_deadline - timeline.publication,
            rule.submission_days,
            "after publication",
        ),
        (
            "clarification_deadline",
            timeline.submission_deadline - timeline.clarification_deadline,
            rule.clarification_days,
            "before the submission deadline",
        ),
        (
            "standstill_end",
            timeline.standstill_end - timeline.evaluation_end,
            rule.standstill_days,
            "after the end of evaluation",
        ),
    )
    for name, span, days, where in checks:
        if name not in errors and span < timedelta(days=days):
            errors[name] = (
                f"{STEP_LABELS[name].capitalize()} must be at least {days} days {where} for a "
                f"{PROCEDURE_LABELS[procedure].split(' (')[0].lower()}"
            )
    return errors
