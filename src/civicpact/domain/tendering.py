"""Tender procedures and their timelines.

Every procedure is a configuration of one engine: the procurement route chosen at structuring decides the
procedure; each procedure has minimum durations (days from publication to the submission deadline, from the
clarification deadline to the submission deadline, and the standstill between the award and the contract).
The minimums here are defaults; a deployment may pass its own (national rules differ).

A timeline runs in this order, each step strictly after the one before (opening may coincide with the
submission deadline): publication → clarification deadline → submission deadline → opening → evaluation end →
standstill end.

A procedure runs as one or more stages, each a tender of its own on the same engine (publication, sealed bids,
opening, scoring, ranking). `STAGE_PLAN` says which stages open a procedure and which may follow which: an open
tender, a challenge-based call and a direct award are a single stage; a restricted procedure is a
pre-qualification whose shortlist is invited to bid; a competitive dialogue runs dialogue rounds (optionally after
a pre-qualification), each keeping a number of participants, and ends with a locked best and final offer (one
submission, no revision or withdrawal); pre-commercial procurement runs solution design → prototype → test
series, keeping a number of suppliers per phase, each paid a phase payment; a Swiss challenge is one stage of
competing offers against the proponent's proposal. A stage that does not end in an award ends in a
down-selection: the top `keep` qualified bids of its ranking go on.
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


class Stage(StrEnum):
    """A stage of a procedure. Every stage runs the same engine (publication, sealed bids, opening, scoring,
    ranking); it ends either in an award or in a down-selection that invites the kept suppliers to the next."""

    SINGLE = "single"
    PREQUALIFICATION = "prequalification"
    INVITED = "invited_bids"
    DIALOGUE_ROUND = "dialogue_round"
    FINAL_OFFER = "final_offer"
    SOLUTION_DESIGN = "solution_design"
    PROTOTYPE = "prototype"
    TEST_SERIES = "test_series"
    COMPETING_OFFERS = "competing_offers"


STAGE_LABELS = {
    Stage.SINGLE: "Single stage: bids, then the award",
    Stage.PREQUALIFICATION: "Pre-qualification: applications scored, a shortlist kept",
    Stage.INVITED: "Invited bids from the shortlist, then the award",
    Stage.DIALOGUE_ROUND: "Dialogue round: solutions revised, participants kept",
    Stage.FINAL_OFFER: "Best and final offer: locked, then the award",
    Stage.SOLUTION_DESIGN: "PCP phase 1: solution design",
    Stage.PROTOTYPE: "PCP phase 2: prototype",
    Stage.TEST_SERIES: "PCP phase 3: original development and test series",
    Stage.COMPETING_OFFERS: "Competing offers against the proponent's proposal, then the award",
}

# For each procedure: the stages that may follow a stage (None: the first stage).
STAGE_PLAN: Mapping[Procedure, Mapping[Stage | None, tuple[Stage, ...]]] = {
    Procedure.OPEN: {None: (Stage.SINGLE,)},
    Procedure.CHALLENGE: {None: (Stage.SINGLE,)},
    Procedure.DIRECT: {None: (Stage.SINGLE,)},
    Procedure.RESTRICTED: {None: (Stage.PREQUALIFICATION,), Stage.PREQUALIFICATION: (Stage.INVITED,)},
    Procedure.DIALOGUE: {
        None: (Stage.PREQUALIFICATION, Stage.DIALOGUE_ROUND),
        Stage.PREQUALIFICATION: (Stage.DIALOGUE_ROUND,),
        Stage.DIALOGUE_ROUND: (Stage.DIALOGUE_ROUND, Stage.FINAL_OFFER),
    },
    Procedure.PCP: {
        None: (Stage.SOLUTION_DESIGN,),
        Stage.SOLUTION_DESIGN: (Stage.PROTOTYPE,),
        Stage.PROTOTYPE: (Stage.TEST_SERIES,),
    },
    Procedure.SWISS_CHALLENGE: {None: (Stage.COMPETING_OFFERS,)},
}

AWARDING_STAGES = frozenset({Stage.SINGLE, Stage.INVITED, Stage.FINAL_OFFER, Stage.COMPETING_OFFERS})
LOCKED_STAGES = frozenset({Stage.FINAL_OFFER})  # one submission: no revision, no withdrawal
PAID_STAGES = frozenset({Stage.SOLUTION_DESIGN, Stage.PROTOTYPE, Stage.TEST_SERIES})  # phase payments


def next_stages(procedure: Procedure, after: Stage | None) -> tuple[Stage, ...]:
    """The stages that may follow `after` (None: that may open the procedure); () when the procedure ends."""
    return STAGE_PLAN[procedure].get(after, ())


def ends_in_award(stage: Stage) -> bool:
    return stage in AWARDING_STAGES


def stage_errors(procedure: Procedure, stage: Stage, after: Stage | None, keep: int | None) -> dict[str, str]:
    """Problems with a stage's place in its procedure and its number of suppliers to keep."""
    errors: dict[str, str] = {}
    allowed = next_stages(procedure, after)
    if stage not in allowed:
        errors["stage"] = _stage_message(procedure, stage, after, allowed)
    if ends_in_award(stage):
        if keep is not None:
            errors["keep"] = "This stage ends in an award: leave the number of suppliers to keep empty"
    elif keep is None or keep < 1:
        errors["keep"] = "Say how many suppliers this stage keeps for the next (at least 1)"
    return errors


STAGE_NAMES = {
    Stage.SINGLE: "a single stage",
    Stage.PREQUALIFICATION: "pre-qualification",
    Stage.INVITED: "invited bids",
    Stage.DIALOGUE_ROUND: "a dialogue round",
    Stage.FINAL_OFFER: "the best and final offer",
    Stage.SOLUTION_DESIGN: "solution design",
    Stage.PROTOTYPE: "prototype",
    Stage.TEST_SERIES: "the test series",
    Stage.COMPETING_OFFERS: "competing offers",
}


def _short(stage: Stage) -> str:
    return STAGE_NAMES[stage]


def _stage_message(procedure: Procedure, stage: Stage, after: Stage | None, allowed: tuple[Stage, ...]) -> str:
    name = PROCEDURE_LABELS[procedure].split(" (")[0]
    names = " or ".join(_short(s) for s in allowed)
    if after is None:
        return f"{name} opens with {names}, not {_short(stage)}"
    if not allowed:
        return f"{name}: no stage follows {_short(after)}"
    return f"{name}: {_short(after)} is followed by {names}, not {_short(stage)}"
