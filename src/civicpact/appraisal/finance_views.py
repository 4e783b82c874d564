"""The business case in the browser: value for money, cost-benefit, affordability and funding, the council's
PDF report, the XLSX of cash flows, and the city-wide register of PPP commitments."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.appraisal import selectors, services
from civicpact.appraisal.exceptions import AppraisalError
from civicpact.appraisal.forms import (
    FUNDING_KIND_LABELS,
    AffordabilityForm,
    BusinessCaseForm,
    CbaForm,
    FundingFormSet,
    GuaranteeFormSet,
    RunForm,
)
from civicpact.appraisal.models import BusinessCase, VfmRun
from civicpact.appraisal.views import XLSX, _edit_guard, _project, _try_save
from civicpact.domain.affordability import AffordabilityResult
from civicpact.domain.cba import CbaResult
from civicpact.domain.finance import discount_factors, pad
from civicpact.pipeline.models import Project
from civicpact.web.charts import histogram, s_curve, tornado_chart, year_columns


def _latest_result(project: Project) -> VfmRun | None:
    return project.vfm_runs.filter(status="done").first()


def _case(project: Project) -> BusinessCase | None:
    return BusinessCase.objects.filter(project=project).first()


def _first_calendar_year(project: Project, case: BusinessCase | None) -> int:
    block = (case.inputs.get("affordability") if case else None) or {}
    return int(block.get("first_calendar_year") or project.planned_procurement_year)


def _vfm_charts(result: dict[str, Any]) -> dict[str, Any]:
    edges, counts = result["histogram"]["edges"], result["histogram"]
    series = [(_("Public sector comparator"), counts["psc"]), (_("PPP"), counts["ppp"])]
    return {
        "histogram": histogram(_("Net present cost of each option over the simulated iterations"), edges, series),
        "s_curve": s_curve(_("Share of simulated futures at or below each net present cost"), edges, series),
        "tornado": tornado_chart(
            _("What drives the value for money"),
            result["vfm"]["mean"],
            [(t["driver"], t["low"], t["high"]) for t in result["tornado"]],
        ),
    }


def _cba_chart(cba: CbaResult, first_year: int) -> Any:
    years = [first_year + i for i in range(cba.horizon)]
    return year_columns(
        _("Costs and benefits per year (real prices)"),
        years,
        [(_("Costs"), cba.yearly_costs), (_("Benefits"), cba.yearly_benefits)],
    )


def _affordability_chart(result: AffordabilityResult, first_year: int) -> Any:
    years = [first_year + row.year for row in result.rows]
    return year_columns(
        _("What the city pays each year against the budget envelope"),
        years,
        [
            (_("Payments and own costs"), [r.payments for r in result.rows]),
            (_("Net fiscal cost"), [r.net_fiscal_cost for r in result.rows]),
        ],
        line=(_("Budget envelope"), [r.envelope for r in result.rows]),
    )


def _analysis(case: BusinessCase | None) -> selectors.BusinessCaseAnalysis:
    """The saved case's analysis. Saved inputs were validated on save, so this does not fail on them."""
    if case is None:
        return selectors.BusinessCaseAnalysis(cba=None, affordability=None)
    return selectors.business_case_analysis(inputs=case.inputs)


def _save_changes(
    request: HttpRequest, project: Project, form: Any, changes: dict[str, Any], done: str
) -> HttpResponse | int:
    """Save some blocks of the business case from a valid form: back to the same page when saved, else the
    status to answer with (400 with the errors on the form, 409 when someone saved in between)."""
    status = _try_save(
        form,
        lambda: services.business_case_update(
            actor=permissions.signed_in_user(request),
            project_id=project.pk,
            changes=changes,
            expected_version=form.cleaned_data["version"],
        ),
    )
    if status:
        return status
    messages.success(request, done)
    return redirect(request.path)


@login_required
def business_case(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_risks(request.user)
    _edit_guard(request, can_edit, "business case")
    current = _case(project)
    initial = {**current.inputs, "version": current.version} if current else {"version": 0}
    form = BusinessCaseForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved = _save_changes(
                request,
                project,
                form,
                form.inputs(),
                _("The business case is saved. Run it to see the value for money."),
            )
            if isinstance(saved, HttpResponse):
                return saved
            status = saved
    run = _latest_result(project)
    context: dict[str, Any] = {
        "project": project,
        "form": form,
        "can_edit": can_edit,
        "case": current,
        "run": run,
        "run_form": RunForm(),
        "pending": project.vfm_runs.exclude(status="done").first(),
        "tab": "vfm",
    }
    if run is not None and run.result is not None:
        context.update(_vfm_charts(run.result))
        context["cumulative"] = _cumulative_rows(run.result["histogram"])
    if current is not None:
        context.update(_option_flows(current.inputs, _first_calendar_year(project, current)))
    return render(request, "appraisal/business_case.html", context, status=status)


def _option_flows(inputs: dict[str, Any], first_year: int) -> dict[str, Any]:
    """Each option's yearly cost before risk: the PSC's capital, operating and neutrality costs against the PPP's
    payments and the city's own contract costs."""
    horizon = int(inputs["horizon"])

    def total(*keys: str) -> list[float]:
        return [float(v) for v in np.sum([pad(inputs.get(k, []), horizon) for k in keys], axis=0)]

    psc_list = total("psc_capex", "psc_opex", "competitive_neutrality")
    ppp_list = total("ppp_payments", "contract_management", "transaction_costs")
    years = [first_year + t for t in range(horizon)]
    return {
        "flows_chart": year_columns(
            _("Each option's yearly cost before risk (real prices)"),
            years,
            [(_("Public sector comparator"), psc_list), (_("PPP"), ppp_list)],
        ),
        "flow_rows": list(zip(years, psc_list, ppp_list, strict=True)),
    }


def _cumulative_rows(hist: dict[str, list[float]]) -> list[tuple[float, float, float]]:
    """(upper edge, share of PSC iterations at or below it, share of PPP iterations) per bin: the S-curve's table."""
    rows, psc, ppp = [], 0.0, 0.0
    psc_total, ppp_total = sum(hist["psc"]) or 1.0, sum(hist["ppp"]) or 1.0
    for edge, a, b in zip(hist["edges"][1:], hist["psc"], hist["ppp"], strict=True):
        psc, ppp = psc + a, ppp + b
        rows.append((edge, 100 * psc / psc_total, 100 * ppp / ppp_total))
    return rows[::4] + ([rows[-1]] if (len(rows) - 1) % 4 else [])


@login_required
@require_POST
def business_case_run(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else field}: {' '.join(str(e) for e in errors)}",
            )
        return redirect("appraisal:business-case", pk=pk)
    try:
        run = services.vfm_run_start(
            actor=permissions.signed_in_user(request),
            project_id=project.pk,
            iterations=form.cleaned_data["iterations"],
            seed=form.cleaned_data["seed"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("appraisal:business-case", pk=pk)
    return redirect("appraisal:run", pk=pk, run_id=run.pk)


@login_required
def run_detail(request: HttpRequest, pk: int, run_id: int) -> HttpResponse:
    project = _project(request, pk)
    run = project.vfm_runs.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run.")
    partial = request.headers.get("HX-Request") == "true"
    template = "appraisal/run.html#progress" if partial else "appraisal/run.html"
    context = {"project": project, "run": run, "can_cancel": permissions.can_edit_risks(request.user)}
    return render(request, template, context)


@login_required
@require_POST
def run_cancel(request: HttpRequest, pk: int, run_id: int) -> HttpResponse:
    project = _project(request, pk)
    try:
        services.vfm_run_cancel(actor=permissions.signed_in_user(request), project_id=project.pk, run_id=run_id)
    except VfmRun.DoesNotExist:
        raise Http404("No such run.") from None
    except AppraisalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The run is cancelled. The results of earlier runs are unchanged."))
    return redirect("appraisal:run", pk=pk, run_id=run_id)


def _no_case_yet(request: HttpRequest, project: Project) -> HttpResponse:
    messages.info(request, _("Save the value-for-money inputs (horizon, rate, flows) first."))
    return redirect("appraisal:business-case", pk=project.pk)


@login_required
def business_case_cba(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_risks(request.user)
    _edit_guard(request, can_edit, "business case")
    current = _case(project)
    if current is None:
        return _no_case_yet(request, project)
    initial = {**CbaForm.initial_from(current.inputs.get("cba") or {}), "version": current.version}
    form = CbaForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved = _save_changes(
                request, project, form, {"cba": form.block()}, _("The cost-benefit lines are saved.")
            )
            if isinstance(saved, HttpResponse):
                return saved
            status = saved
    cba = _analysis(current).cba
    first_year = _first_calendar_year(project, current)
    context = {
        "project": project,
        "form": form,
        "can_edit": can_edit,
        "case": current,
        "cba": cba,
        "chart": _cba_chart(cba, first_year) if cba else None,
        "years": list(
            zip(range(first_year, first_year + cba.horizon), cba.yearly_costs, cba.yearly_benefits, strict=True)
        )
        if cba
        else [],
        "tab": "cba",
    }
    return render(request, "appraisal/business_case_cba.html", context, status=status)


def _departments(project: Project, case: BusinessCase) -> list[str]:
    names = [share.department.name for share in project.budget_shares.select_related("department")]
    saved = (case.inputs.get("affordability") or {}).get("envelopes", {})
    return names + [name for name in saved if name not in names]


def _envelope_initial(project: Project, case: BusinessCase, departments: list[str]) -> dict[str, Any]:
    """Saved envelopes; for a department without one, its pooled-budget share spread evenly over the contract's
    years from the planned start (a starting point the analyst is asked to replace with the real envelope)."""
    block = case.inputs.get("affordability") or {}
    saved = block.get("envelopes", {})
    shares = {s.department.name: float(s.amount) for s in project.budget_shares.select_related("department")}
    horizon = int(case.inputs["horizon"])
    first = _first_calendar_year(project, case)
    start = max(project.planned_start_year - first, 0)
    initial: dict[str, Any] = {"first_calendar_year": first}
    for index, name in enumerate(departments):
        if name in saved:
            initial[f"envelope_{index}"] = saved[name]
        elif name in shares:
            yearly = round(shares[name] / project.duration_years, 2)
            initial[f"envelope_{index}"] = [0.0 if y < start else yearly for y in range(horizon)]
    return initial


@login_required
def business_case_affordability(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_risks(request.user)
    _edit_guard(request, can_edit, "business case")
    current = _case(project)
    if current is None:
        return _no_case_yet(request, project)
    block = current.inputs.get("affordability") or {}
    departments = _departments(project, current)
    data = request.POST or None
    form = AffordabilityForm(
        data,
        departments=departments,
        initial={**_envelope_initial(project, current, departments), "version": current.version},
    )
    funding = FundingFormSet(data, initial=block.get("funding", []), prefix="funding")
    guarantees = GuaranteeFormSet(data, initial=block.get("guarantees", []), prefix="guarantee")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and funding.is_valid() and guarantees.is_valid():
            new_block = {
                "first_calendar_year": form.cleaned_data["first_calendar_year"],
                "envelopes": form.envelopes(),
                "funding": _entries(funding),
                "guarantees": _entries(guarantees),
            }
            saved = _save_changes(
                request, project, form, {"affordability": new_block}, _("The affordability and funding mix are saved.")
            )
            if isinstance(saved, HttpResponse):
                return saved
            status = saved
    result = _analysis(current).affordability
    first_year = _first_calendar_year(project, current)
    context = {
        "project": project,
        "form": form,
        "funding": funding,
        "guarantees": guarantees,
        "can_edit": can_edit,
        "case": current,
        "result": result,
        "first_year": first_year,
        "chart": _affordability_chart(result, first_year) if result else None,
        "summary": result.summary(first_year) if result else "",
        "mix": [(FUNDING_KIND_LABELS[kind], share) for kind, share in result.funding_mix] if result else [],
        "tab": "affordability",
    }
    return render(request, "appraisal/business_case_affordability.html", context, status=status)


def _entries(formset: Any) -> list[dict[str, Any]]:
    """The rows to keep: every saved row not marked for removal, and every new row that was filled in."""
    saved = formset.initial_form_count()
    return [
        form.entry()
        for index, form in enumerate(formset.forms)
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and (index < saved or form.has_changed())
    ]


@login_required
def business_case_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The business-case report for a council: assumptions, method, results and charts."""
    project = _project(request, pk)
    case = _case(project)
    if case is None:
        raise Http404("No business case yet.")
    run = _latest_result(project)
    analysis = _analysis(case)
    first_year = _first_calendar_year(project, case)
    inputs = case.inputs
    horizon = int(inputs["horizon"])
    flows = [
        (first_year + year, *(float(pad(inputs.get(k, []), horizon)[year]) for k in FLOW_KEYS))
        for year in range(horizon)
    ]
    context: dict[str, Any] = {
        "project": project,
        "case": case,
        "inputs": inputs,
        "risks": services.case_with_risks(project=project, inputs=inputs)["risks"],
        "flows": flows,
        "flow_labels": [label for _, label in FLOW_LABELS],
        "run": run,
        "cba": analysis.cba,
        "affordability": analysis.affordability,
        "first_year": first_year,
        "cba_chart": _cba_chart(analysis.cba, first_year) if analysis.cba else None,
        "affordability_chart": _affordability_chart(analysis.affordability, first_year)
        if analysis.affordability
        else None,
        "affordability_summary": analysis.affordability.summary(first_year) if analysis.affordability else "",
    }
    if run is not None and run.result is not None:
        context.update(_vfm_charts(run.result))
    html = render_to_string("appraisal/business_case_pdf.html", context, request=request)
    try:
        from weasyprint import HTML
    except OSError:
        return HttpResponse(
            "PDF export needs the Pango library on the server (Debian: libpango-1.0-0).",
            status=503,
            content_type="text/plain",
        )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="business-case-project-{project.pk}-v{case.version}.pdf"'
    return response


FLOW_LABELS = (
    ("psc_capex", gettext_lazy("PSC capital")),
    ("psc_opex", gettext_lazy("PSC operating")),
    ("competitive_neutrality", gettext_lazy("Competitive neutrality")),
    ("ppp_payments", gettext_lazy("PPP payments")),
    ("contract_management", gettext_lazy("Contract management")),
    ("transaction_costs", gettext_lazy("Transaction")),
)
FLOW_KEYS = tuple(key for key, _ in FLOW_LABELS)


@login_required
def business_case_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's yearly cash flows, risks, cost-benefit lines, affordability and latest result."""
    from openpyxl import Workbook

    project = _project(request, pk)
    case = _case(project)
    if case is None:
        raise Http404("No business case yet.")
    inputs = case.inputs
    horizon = int(inputs["horizon"])
    factors = discount_factors(horizon, float(inputs["discount_rate"]), mid_year=bool(inputs.get("mid_year")))
    book = Workbook()
    flows = book.active
    assert flows is not None  # noqa: S101 - a new workbook always has a sheet
    flows.title = "Cash flows"
    flows.append(["year", *FLOW_KEYS, "discount factor"])
    columns = [pad(inputs.get(k, []), horizon) for k in FLOW_KEYS]
    for year in range(horizon):
        flows.append([year, *[float(c[year]) for c in columns], float(factors[year])])
    risks = book.create_sheet("Risks")
    full = services.case_with_risks(project=project, inputs=inputs)
    risk_keys = (
        "name",
        "probability",
        "min",
        "most_likely",
        "max",
        "distribution",
        "once",
        "first_year",
        "last_year",
        "share_transferred",
    )
    risks.append(list(risk_keys))
    for risk in full["risks"]:
        risks.append([risk[k] for k in risk_keys])
    analysis = _analysis(case)
    if analysis.cba is not None:
        sheet = book.create_sheet("Cost-benefit")
        sheet.append(["year", "costs", "benefits", "net"])
        for year, (cost, benefit) in enumerate(
            zip(analysis.cba.yearly_costs, analysis.cba.yearly_benefits, strict=True)
        ):
            sheet.append([year, cost, benefit, benefit - cost])
        sheet.append([])
        for key in ("pv_costs", "pv_benefits", "npv", "bcr", "payback", "discounted_payback"):
            sheet.append([key, getattr(analysis.cba, key)])
        sheet.append(["irr", analysis.cba.irr.describe()])
    if analysis.affordability is not None:
        sheet = book.create_sheet("Affordability")
        keys = list(analysis.affordability.rows[0].__dataclass_fields__)
        sheet.append(keys)
        for row in analysis.affordability.rows:
            sheet.append([getattr(row, k) for k in keys])
    run = _latest_result(project)
    if run is not None and run.result is not None:
        summary = book.create_sheet("Result")
        summary.append(["measure", "mean", "p10", "p50", "p90"])
        for key in ("psc", "ppp", "vfm"):
            summary.append([key, *(run.result[key][s] for s in ("mean", "p10", "p50", "p90"))])
        summary.append(["probability_ppp_cheaper", run.result["probability_ppp_cheaper"]])
        summary.append(["iterations", run.iterations])
        summary.append(["seed", run.seed])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="business-case-project-{project.pk}.xlsx"'
    return response


@login_required
def commitments(request: HttpRequest) -> HttpResponse:
    """Every PPP's long-term payment commitments and contingent liabilities, by budget year, for the council."""
    if not permissions.can_view_commitments(request.user):
        raise PermissionDenied(_("The commitments register is for the PPP unit, finance, managers and auditors."))
    register, projects = selectors.commitment_register()
    chart = (
        year_columns(
            _("The city's PPP payment commitments by budget year"),
            list(register.years),
            [(_("Payment commitments"), register.total_payments)],
            line=(_("Contingent liabilities (maximum)"), register.total_contingent_maximum),
        )
        if register.years
        else None
    )
    rows = list(
        zip(
            register.years,
            register.total_payments,
            register.total_contingent_expected,
            register.total_contingent_maximum,
            strict=True,
        )
    )
    return render(
        request,
        "appraisal/commitments.html",
        {"register": register, "projects": projects, "chart": chart, "rows": rows},
    )
