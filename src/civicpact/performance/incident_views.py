"""Pages of a contract's incident log (report, respond, fix, correct; CSV export; the drill-down from a statement's
KPI line), the periodic KPI scores and the remediation plans. Visibility is the contract's: city staff and the
contract's partner; anyone else gets a 404."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.contracts import selectors as contracts
from civicpact.contracts.models import Contract
from civicpact.domain.performance.regime import Kpi
from civicpact.performance import incident_services as services
from civicpact.performance.incident_forms import (
    CorrectionForm,
    IncidentForm,
    PlanForm,
    PlanStepForm,
    ScoreForm,
    StepForm,
)
from civicpact.performance.models import Incident, PeriodicScore, RemediationPlan, Statement
from civicpact.performance.services import PerformanceError, latest_regime, regime_doc
from civicpact.util import run_with_form

PLAN_STEPS = {  # action -> (button, label of the text), for the partner and for the city
    "submission": (gettext_lazy("Submit the plan"), gettext_lazy("Your plan: actions, who, by when")),
    "progress": (gettext_lazy("Add a progress note"), gettext_lazy("Progress")),
    "accepted": (gettext_lazy("Accept the plan"), gettext_lazy("Reasons for accepting")),
    "rejected": (gettext_lazy("Reject the plan"), gettext_lazy("Reasons for rejecting")),
    "follow_up": (gettext_lazy("Record the follow-up"), gettext_lazy("Follow-up")),
    "closed": (gettext_lazy("Close the plan"), gettext_lazy("How the remedy was checked")),
}
PLAN_DONE = {
    "submission": gettext_lazy("Your plan is submitted; the city accepts or rejects it."),
    "progress": gettext_lazy("Your progress note is recorded."),
    "accepted": gettext_lazy("The plan is accepted; the partner reports its progress here."),
    "rejected": gettext_lazy("The plan is rejected; the partner reads your reasons and resubmits."),
    "follow_up": gettext_lazy("The follow-up is recorded."),
    "closed": gettext_lazy("The plan is closed."),
}


def _contract(request: HttpRequest, pk: int) -> Contract:
    try:
        return contracts.contract_get(actor=request.user, pk=pk)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None


def _kpis(contract: Contract) -> tuple[Kpi, ...]:
    regime = latest_regime(contract)
    return regime_doc(regime).kpis if regime is not None else ()


def _run(form: Any, call: Any) -> int:
    return run_with_form(form, call, (PerformanceError,))


def _roles(request: HttpRequest, contract: Contract) -> dict[str, bool]:
    manager = permissions.can_manage_contracts(request.user)
    partner = contracts.is_partner(request.user, contract)
    return {"can_manage": manager, "is_partner": partner, "can_report": manager or partner}


# --- the incident log ---------------------------------------------------------------------------------------------


def _drill_down(request: HttpRequest, contract: Contract) -> dict[str, Any] | None:
    """A statement's KPI line: the incidents (or the score) it counted, as frozen in the statement."""
    statement_pk, kpi = request.GET.get("statement", ""), request.GET.get("kpi", "")
    if not statement_pk.isdigit() or not kpi:
        return None
    statement = Statement.objects.filter(contract=contract, pk=int(statement_pk)).first()
    if statement is None:
        raise Http404("No such statement.")
    sources = statement.figures.get("kpi_sources", {})
    line = next((k for k in statement.figures.get("kpis", []) if k["kpi"] == kpi), None)
    if line is None:
        raise Http404("No such KPI line.")
    return {
        "statement": statement,
        "line": line,
        "ids": sources.get("incidents", {}).get(kpi, []),
        "score": sources.get("scores", {}).get(kpi),
    }


@login_required
def incident_list(request: HttpRequest, pk: int, form: IncidentForm | None = None) -> HttpResponse:
    contract = _contract(request, pk)
    roles = _roles(request, contract)
    kpis = _kpis(contract)
    state = request.GET.get("state", "")
    drill = _drill_down(request, contract)
    incidents = services.incident_list(contract=contract, state=state if state in ("open", "closed") else "")
    if drill is not None:
        incidents = incidents.filter(pk__in=drill["ids"])
    if request.GET.get("format") == "csv":
        return _csv(contract, incidents)
    if form is None and roles["can_report"] and kpis:
        form = IncidentForm(kpis=kpis, initial={"reported_at": timezone.localtime().replace(second=0, microsecond=0)})
    context = {
        "contract": contract,
        "incidents": list(incidents),
        "state": state,
        "drill": drill,
        "form": form,
        "has_regime": bool(kpis),
        **roles,
    }
    return render(
        request, "performance/incidents.html", context, status=400 if form is not None and form.errors else 200
    )


CSV_COLUMNS = (
    *("id", "reference", "asset", "priority", "response_kpi", "fix_kpi"),
    *("reported_at", "responded_at", "fixed_at", "state", "description"),
)


def _csv(contract: Contract, incidents: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incidents-{contract.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for i in incidents:
        times = [t.isoformat() if t else "" for t in (i.reported_at, i.responded_at, i.fixed_at)]
        asset = i.asset.asset_id if i.asset else ""
        writer.writerow(
            [i.pk, i.reference, asset, i.priority, i.response_kpi, i.fix_kpi, *times, i.state, i.description]
        )
    return response


@login_required
@require_POST
def incident_report(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not services.may_report(request.user, contract):
        raise PermissionDenied(_("Only the contract's managers and its partner report incidents."))
    form = IncidentForm(request.POST, kpis=_kpis(contract))
    if form.is_valid():
        data = form.cleaned_data
        made: list[Incident] = []
        status = _run(
            form,
            lambda: made.append(
                services.incident_report(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    description=data["description"],
                    reported_at=data["reported_at"],
                    response_kpi=data["response_kpi"],
                    fix_kpi=data["fix_kpi"],
                    asset_id=data["asset"],
                    priority=data["priority"],
                    reference=data["reference"],
                )
            ),
        )
        if not status:
            messages.success(
                request,
                _("Incident #%(number)s is recorded; the KPIs' clocks started when it was reported.")
                % {"number": made[0].pk},
            )
            return redirect("performance:incident", pk=contract.pk, incident_pk=made[0].pk)
    return incident_list(request, pk, form=form)


def _incident(contract: Contract, incident_pk: int) -> Incident:
    incident = (
        Incident.objects.filter(contract=contract, pk=incident_pk)
        .select_related("asset", "reported_by", "responded_by", "fixed_by", "updated_by")
        .first()
    )
    if incident is None:
        raise Http404("No such incident.")
    return incident


@login_required
def incident_detail(request: HttpRequest, pk: int, incident_pk: int, status: int = 200, **forms: Any) -> HttpResponse:
    contract = _contract(request, pk)
    incident = _incident(contract, incident_pk)
    roles = _roles(request, contract)
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"version": incident.version, "at": now}
    step = None
    if roles["is_partner"] and incident.fixed_at is None:
        label = _("Responded at") if incident.responded_at is None else _("Fixed at")
        step = forms.get("step_form") or StepForm(initial=initial, prefix_label=label)
    correction = forms.get("correction_form")
    if correction is None and roles["can_manage"]:
        correction = CorrectionForm(initial={"version": incident.version})
    context = {
        "contract": contract,
        "incident": incident,
        "verdicts": services.incident_verdicts(incident, timezone.now()),
        "corrections": incident.corrections.select_related("corrected_by"),
        "plans": incident.plans.all(),
        "step_form": step,
        "step_action": "respond" if incident.responded_at is None else "fix",
        "correction_form": correction,
        **roles,
    }
    return render(request, "performance/incident.html", context, status=status)


@login_required
@require_POST
def incident_step(request: HttpRequest, pk: int, incident_pk: int, action: str) -> HttpResponse:
    contract = _contract(request, pk)
    incident = _incident(contract, incident_pk)
    if not contracts.is_partner(request.user, contract):
        raise PermissionDenied(_("Only the contract's partner records the response and the fix."))
    form = StepForm(request.POST, prefix_label=_("Responded at") if action == "respond" else _("Fixed at"))
    status = 400
    if form.is_valid():
        call = services.incident_respond if action == "respond" else services.incident_fix
        keyword = "responded_at" if action == "respond" else "fixed_at"
        status = _run(
            form,
            lambda: call(
                actor=permissions.signed_in_user(request),
                incident_id=incident.pk,
                expected_version=form.cleaned_data["version"],
                **{keyword: form.cleaned_data["at"]},
            ),
        )
        if not status:
            messages.success(
                request, _("The response is recorded.") if action == "respond" else _("The fix is recorded.")
            )
            return redirect("performance:incident", pk=contract.pk, incident_pk=incident.pk)
    return incident_detail(request, pk, incident_pk, status=status, step_form=form)


@login_required
@require_POST
def incident_correct(request: HttpRequest, pk: int, incident_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    incident = _incident(contract, incident_pk)
    if not permissions.can_manage_contracts(request.user):
        raise PermissionDenied(_("Only contract managers and the PPP unit correct incidents."))
    form = CorrectionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = _run(
            form,
            lambda: services.incident_correct(
                actor=permissions.signed_in_user(request),
                incident_id=incident.pk,
                expected_version=data["version"],
                field=data["field"],
                value=data["value"],
                reason=data["reason"],
            ),
        )
        if not status:
            messages.success(request, _("The correction is recorded, with the time it replaces."))
            return redirect("performance:incident", pk=contract.pk, incident_pk=incident.pk)
    return incident_detail(request, pk, incident_pk, status=status, correction_form=form)


# --- periodic KPI scores ------------------------------------------------------------------------------------------


def _revising(contract: Contract, request: HttpRequest) -> dict[str, Any]:
    """The form's initial values to revise a recorded score (?kpi=…&month=…), with the version read."""
    record = PeriodicScore.objects.filter(
        contract=contract, kpi=request.GET.get("kpi", ""), month=request.GET.get("month", "")
    ).first()
    if record is None:
        return {"version": 0}
    return {"version": record.version, "kpi": record.kpi, "month": record.month, "score": record.score, "source": ""}


@login_required
def score_list(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    manager = permissions.can_manage_contracts(request.user)
    kpis = _kpis(contract)
    periodic = [k for k in kpis if k.kind == "periodic"]
    form = None
    if manager and periodic:
        form = ScoreForm(request.POST or None, kpis=kpis, initial=_revising(contract, request))
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only contract managers and the PPP unit record KPI scores."))
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            status = _run(
                form,
                lambda: services.periodic_score_record(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    kpi=data["kpi"],
                    month=data["month"],
                    score=data["score"],
                    source=data["source"],
                    expected_version=data["version"] or 0,
                ),
            )
            if not status:
                messages.success(request, _("The score is recorded; the month's draft statement counts it."))
                return redirect("performance:scores", pk=contract.pk)
    targets = {k.key: k for k in periodic}
    scores = [
        (s, targets.get(s.kpi), s.kpi in targets and s.score < targets[s.kpi].target)
        for s in PeriodicScore.objects.filter(contract=contract).select_related("recorded_by")
    ]
    context = {"contract": contract, "scores": scores, "form": form, "periodic": periodic}
    return render(request, "performance/scores.html", context, status=status)


# --- remediation plans --------------------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    manager = permissions.can_manage_contracts(request.user)
    kpis = _kpis(contract)
    form = None
    if manager:
        initial = {k: request.GET[k] for k in ("incident", "kpi", "month") if request.GET.get(k)}
        form = PlanForm(request.POST or None, kpis=kpis, initial=initial)
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only contract managers and the PPP unit raise remediation plans."))
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            made: list[RemediationPlan] = []
            status = _run(
                form,
                lambda: made.append(
                    services.remediation_raise(
                        actor=permissions.signed_in_user(request),
                        contract_id=contract.pk,
                        title=data["title"],
                        actions=data["actions"],
                        deadline=data["deadline"],
                        incident_id=data["incident"],
                        kpi=data["kpi"],
                        month=data["month"],
                    )
                ),
            )
            if not status:
                messages.success(request, _("The remediation plan is raised; the partner submits its plan."))
                return redirect("performance:plan", pk=contract.pk, plan_pk=made[0].pk)
    today = timezone.localdate()
    plans = [
        (p, services.plan_overdue(p, today))
        for p in RemediationPlan.objects.filter(contract=contract).select_related("incident")
    ]
    context = {"contract": contract, "plans": plans, "form": form}
    return render(request, "performance/plans.html", context, status=status)


def _steps(request: HttpRequest, contract: Contract, plan: RemediationPlan) -> list[str]:
    """The steps the user may take on the plan now."""
    partner = contracts.is_partner(request.user, contract)
    manager = permissions.can_manage_contracts(request.user)
    return [
        action
        for action, (who, allowed, _) in services.PLAN_MOVES.items()
        if plan.status in allowed and ((who == "partner" and partner) or (who == "city" and manager))
    ]


@login_required
def plan_detail(
    request: HttpRequest, pk: int, plan_pk: int, failed: PlanStepForm | None = None, status: int = 200
) -> HttpResponse:
    contract = _contract(request, pk)
    plan = RemediationPlan.objects.filter(contract=contract, pk=plan_pk).select_related("incident").first()
    if plan is None:
        raise Http404("No such remediation plan.")
    forms = []
    for action in _steps(request, contract, plan):
        button, label = PLAN_STEPS[action]
        if failed is not None and failed.prefix == action:
            forms.append((action, button, failed))
        else:
            initial = {"version": plan.version}
            forms.append((action, button, PlanStepForm(prefix=action, initial=initial, label=label)))
    context = {
        "contract": contract,
        "plan": plan,
        "overdue": services.plan_overdue(plan),
        "notes": plan.notes.select_related("author"),
        "forms": forms,
    }
    return render(request, "performance/plan.html", context, status=status)


@login_required
@require_POST
def plan_step(request: HttpRequest, pk: int, plan_pk: int, action: str) -> HttpResponse:
    contract = _contract(request, pk)
    plan = RemediationPlan.objects.filter(contract=contract, pk=plan_pk).first()
    if plan is None or action not in PLAN_STEPS:
        raise Http404("No such remediation plan.")
    city = services.PLAN_MOVES[action][0] == "city"
    if not (permissions.can_manage_contracts(request.user) if city else contracts.is_partner(request.user, contract)):
        raise PermissionDenied(
            _("Only the city's contract managers do this.") if city else _("Only the partner does this.")
        )
    form = PlanStepForm(request.POST, prefix=action, label=PLAN_STEPS[action][1])
    status = 400
    if form.is_valid():
        status = _run(
            form,
            lambda: services.remediation_act(
                actor=permissions.signed_in_user(request),
                plan_id=plan.pk,
                expected_version=form.cleaned_data["version"],
                action=action,
                text=form.cleaned_data["text"],
            ),
        )
        if not status:
            messages.success(request, PLAN_DONE[action])
            return redirect("performance:plan", pk=contract.pk, plan_pk=plan.pk)
    return plan_detail(request, pk, plan_pk, failed=form, status=status)
