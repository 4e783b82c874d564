from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from civicpact.domain import ocds
from civicpact.domain.pipeline import Stage
from civicpact.domain.screening import Outcome
from civicpact.domain.structuring import PartnershipModel, Route
from civicpact.pipeline.gates import register_gate_check, register_planning_documents


def appraisal_gate_check(project: Any) -> list[str]:
    """What the opportunity-assessment and structuring gates need before approval."""
    from civicpact.appraisal.selectors import appraisal_status

    if project.stage not in (Stage.OPPORTUNITY, Stage.STRUCTURING):
        return []
    status = appraisal_status(project=project)
    reasons = []
    if status.screening is None:
        reasons.append(_("no PPP screening is recorded"))
    elif status.screening.outcome == "not_ready":
        reasons.append(_("the latest screening says the project is not ready"))
    if project.stage == Stage.STRUCTURING:
        if status.model is None:
            reasons.append(_("no partnership model is chosen"))
        if status.route is None:
            reasons.append(_("no procurement route is chosen"))
        if not status.risk_count:
            reasons.append(_("the risk register is empty"))
        if status.terms is None:
            reasons.append(_("no term sheet is saved"))
        elif status.terms.gap_count:
            reasons.append(_("the term sheet still has %(count)s gap(s)") % {"count": status.terms.gap_count})
    return reasons


def public_page(project: Any) -> str:
    """Where the planning documents can be read: the project's page on the public portal, which shows them from
    the published releases. The business case itself (its PDF and XLSX, the risk register's notes) stays internal:
    the documents publish its conclusions, not its working."""
    if not project.ocid:
        return ""
    return f"{settings.CIVICPACT_PUBLIC_URL.rstrip('/')}/open/projects/{project.ocid}/"


def appraisal_documents(project: Any) -> list[ocds.DocumentRef]:
    """The value-for-money analysis and the rationale for the PPP mode (model, route, screening), published with
    planning releases, each linking to the project's public page."""
    return [replace(d, url=public_page(project)) for d in _appraisal_documents(project)]


def _appraisal_documents(project: Any) -> list[ocds.DocumentRef]:
    documents = []
    run = project.vfm_runs.filter(status="done").first()
    if run is not None and run.result:
        r = run.result
        documents.append(
            ocds.DocumentRef(
                f"vfm-run-{run.pk}",
                "valueForMoneyAnalysis",
                "Value for money analysis",
                run.finished_at,
                f"Public sector comparator (risk-adjusted net present cost): mean {r['psc']['mean']:,.0f}; PPP: mean "
                f"{r['ppp']['mean']:,.0f}. Value for money: mean {r['vfm']['mean']:,.0f} "
                f"({r['vfm_percent_of_psc']:.1f}% of the comparator), "
                f"P10 {r['vfm']['p10']:,.0f}, P90 {r['vfm']['p90']:,.0f}; the PPP costs less in "
                f"{r['probability_ppp_cheaper']:.0%} of {run.iterations:,} simulated futures (seed {run.seed}).",
            )
        )
    documents.extend(_business_case_documents(project))
    choice = project.model_choices.first()
    screening = project.screenings.first()
    route = project.route_choices.first()
    if choice is not None:
        screened = (
            f" Screening: {Outcome(screening.outcome).label} (score {screening.ppp_score}/100)." if screening else ""
        )
        routed = f" Procurement route: {Route(route.chosen_route).label}: {route.reason}" if route else ""
        documents.append(
            ocds.DocumentRef(
                f"model-choice-{choice.pk}",
                "pppModeRationale",
                "Rationale for the PPP modality",
                choice.decided_at,
                f"{PartnershipModel(choice.chosen_model).label}: {choice.reason}{screened}{routed}",
            )
        )
    return documents


def _business_case_documents(project: Any) -> list[ocds.DocumentRef]:
    """The proof of value (cost-benefit) and the fiscal commitments and contingent liabilities (affordability)
    of the saved business case, as the PPP profile's project-additionality and guarantee-report documents."""
    from civicpact.appraisal.models import BusinessCase
    from civicpact.appraisal.selectors import business_case_analysis

    case = BusinessCase.objects.filter(project=project).first()
    if case is None:
        return []
    analysis = business_case_analysis(inputs=case.inputs)
    block = case.inputs.get("affordability") or {}
    first = int(block.get("first_calendar_year") or project.planned_procurement_year)
    documents = []
    if analysis.cba is not None:
        documents.append(
            ocds.DocumentRef(
                f"business-case-{case.pk}-v{case.version}-cba",
                "projectAdditionality",
                "Cost-benefit analysis: proof of value",
                case.updated_at,
                analysis.cba.summary(),
            )
        )
    if analysis.affordability is not None:
        documents.append(
            ocds.DocumentRef(
                f"business-case-{case.pk}-v{case.version}-commitments",
                "guaranteeReports",
                "Fiscal commitments and contingent liabilities",
                case.updated_at,
                analysis.affordability.summary(first),
            )
        )
    return documents


def register_gate_checks() -> None:
    register_gate_check(appraisal_gate_check)
    register_planning_documents(appraisal_documents)
