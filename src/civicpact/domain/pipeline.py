"""Project stages and stage-gate decisions: the lifecycle's spine, as pure rules."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    IDEA = "idea"
    OPPORTUNITY = "opportunity_assessment"
    STRUCTURING = "structuring"
    PROCUREMENT = "procurement"
    IMPLEMENTATION = "implementation"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.IDEA: "Idea",
    Stage.OPPORTUNITY: "Opportunity assessment",
    Stage.STRUCTURING: "Structuring",
    Stage.PROCUREMENT: "Procurement",
    Stage.IMPLEMENTATION: "Implementation",
    Stage.CLOSED: "Evolution / closed",
}

ORDER = list(Stage)


class GateDecision(StrEnum):
    APPROVE = "approve"
    SEND_BACK = "send_back"
    STOP = "stop"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "send_back": "Send back for rework", "stop": "Stop"}[self.value]


class GateError(ValueError):
    pass


def next_stage(stage: Stage) -> Stage:
    if stage == Stage.CLOSED:
        raise GateError("a closed project has no next stage")
    return ORDER[ORDER.index(stage) + 1]


def stage_after_gate(stage: Stage, decision: GateDecision) -> Stage:
    """Approve moves to the next stage; send back keeps the stage for rework; stop closes the project."""
    if stage == Stage.CLOSED:
        raise GateError("the project is closed: no further gate decisions")
    if decision == GateDecision.APPROVE:
        return next_stage(stage)
    if decision == GateDecision.SEND_BACK:
        return stage
    return Stage.CLOSED


def gate_name(stage: Stage) -> str:
    """The gate at the end of a stage, e.g. 'structuring gate'."""
    return f"{stage.label.lower()} gate"
