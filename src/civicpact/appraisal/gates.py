from __future__ import annotations

from typing import Any

from civicpact.domain.pipeline import Stage
from civicpact.pipeline.gates import register_gate_check


def appraisal_gate_check(project: Any) -> list[str]:
    """What the opportunity-assessment and structuring gates need before approval."""
    from civicpact.appraisal.selectors import appraisal_status

    if project.stage not in (Stage.OPPORTUNITY, Stage.STRUCTURING):
        return []
    status = appraisal_status(project=project)
    reasons = []
    if status.screening is None:
        reasons.append("no PPP screening is recorded")
    elif status.screening.outcome == "not_ready":
        reasons.append("the latest screening says the project is not ready")
    if project.stage == Stage.STRUCTURING:
        if status.model is None:
            reasons.append("no partnership model is chosen")
        if status.route is None:
            reasons.append("no procurement route is chosen")
        if not status.risk_count:
            reasons.append("the risk register is empty")
        if status.terms is None:
            reasons.append("no term sheet is saved")
        elif status.terms.gap_count:
            reasons.append(f"the term sheet still has {status.terms.gap_count} gap(s)")
    return reasons


def register_gate_checks() -> None:
    register_gate_check(appraisal_gate_check)
