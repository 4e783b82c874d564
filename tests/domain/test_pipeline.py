import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.pipeline import GateDecision, GateError, Stage, gate_name, next_stage, stage_after_gate


def test_approval_moves_a_project_to_the_next_stage():
    assert stage_after_gate(Stage.IDEA, GateDecision.APPROVE) == Stage.OPPORTUNITY
    assert stage_after_gate(Stage.STRUCTURING, GateDecision.APPROVE) == Stage.PROCUREMENT


def test_sending_back_keeps_the_stage_for_rework():
    assert stage_after_gate(Stage.STRUCTURING, GateDecision.SEND_BACK) == Stage.STRUCTURING


def test_stopping_closes_the_project():
    assert stage_after_gate(Stage.OPPORTUNITY, GateDecision.STOP) == Stage.CLOSED


def test_a_closed_project_has_no_more_gates():
    with pytest.raises(GateError):
        stage_after_gate(Stage.CLOSED, GateDecision.APPROVE)
    with pytest.raises(GateError):
        next_stage(Stage.CLOSED)


@given(st.sampled_from([s for s in Stage if s != Stage.CLOSED]), st.sampled_from(list(GateDecision)))
def test_a_gate_never_moves_a_project_backwards(stage, decision):
    order = list(Stage)
    assert order.index(stage_after_gate(stage, decision)) >= order.index(stage)


def test_a_gate_is_named_after_its_stage():
    assert gate_name(Stage.STRUCTURING) == "structuring gate"
