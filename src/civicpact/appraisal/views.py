from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.appraisal import selectors, services
from civicpact.appraisal.exceptions import AppraisalError
from civicpact.appraisal.forms import (
    QUESTION_TEXTS,
    ImportForm,
    LibraryRiskForm,
    ModelForm,
    RiskForm,
    RouteForm,
    ScreeningForm,
    TermsForm,
)
from civicpact.appraisal.models import MODEL_NAMES, ROUTE_NAMES, Risk
from civicpact.domain.screening import QUESTIONS
from civicpact.domain.structuring import (
    ModelConsiderations,
    PartnershipModel,
    RouteFacts,
    StructuringInputError,
    rank_models,
    recommend_route,
)
from civicpact.pipeline import selectors as pipeline
from civicpact.pipeline.gates import gate_blockers
from civicpact.pipeline.models import Project
from civicpact.util import add_errors
from civicpact.web.guidance import cases_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _try_save(form: Any, save: Any) -> int:
    """Run a service save, putting its errors on the form: 0 when saved, else the status to answer with."""
    try:
        save()
    except ValidationError as exc:
        add_errors(form, exc)
        return 400
    except AppraisalError as exc:
        form.add_error(None, str(exc))
        return 409
    return 0


def _project(request: HttpRequest, pk: int) -> Project:
    try:
        return pipeline.project_get(actor=request.user, pk=pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def _edit_guard(request: HttpRequest, allowed: bool, what: str) -> None:
    """Refuse a POST the reader may not make; `what` is one of the parts named in REFUSALS."""
    if request.method == "POST" and not allowed:
        raise PermissionDenied(REFUSALS[what])


REFUSALS = {
    "screening": gettext_lazy("Only the PPP unit may change the screening."),
    "partnership model": gettext_lazy("Only the PPP unit may change the partnership model."),
    "procurement route": gettext_lazy("Only the PPP unit may change the procurement route."),
    "term sheet": gettext_lazy("Only the PPP unit may change the term sheet."),
    "business case": gettext_lazy("Only the PPP unit may change the business case."),
}


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return render(
        request,
        "appraisal/overview.html",
        {
            "project": project,
            "status": selectors.appraisal_status(project=project),
            "blockers": gate_blockers(project),
        },
    )


@login_required
def screening(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_appraisal(request.user)
    _edit_guard(request, can_edit, "screening")
    latest = project.screenings.first()
    form = ScreeningForm(request.POST or None, initial=latest.answers if latest else {})
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_record(
                actor=permissions.signed_in_user(request), project_id=project.pk, answers=form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The screening is recorded."))
            return redirect("appraisal:screening", pk=pk)
    labels = {q.key: QUESTION_TEXTS.get(q.key, (q.text, q.help))[0] for q in QUESTIONS}
    return render(
        request,
        "appraisal/screening.html",
        {
            "project": project,
            "cases": cases_for("screening"),
            "form": form,
            "latest": latest,
            "history": project.screenings.all()[:10],
            "labels": labels,
            "can_edit": can_edit,
        },
        status=400 if form.errors else 200,
    )


def _model_named(fit: dict[str, Any]) -> dict[str, Any]:
    """A ranked model (fresh, or as stored with the choice) with its name in the reader's language."""
    try:
        return {**fit, "label": MODEL_NAMES[PartnershipModel(fit.get("model", ""))]}
    except ValueError:
        return fit


def _ranking(form: Any) -> Any:
    try:
        return rank_models(
            ModelConsiderations.from_mapping({k: form.cleaned_data[k] for k in ModelForm.considerations})
        )
    except StructuringInputError:
        return None


@login_required
def model(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_appraisal(request.user)
    _edit_guard(request, can_edit, "partnership model")
    latest = project.model_choices.first()
    initial = {**latest.considerations, "chosen_model": latest.chosen_model, "reason": latest.reason} if latest else {}
    form = ModelForm(request.POST or None, initial=initial)
    ranking = None
    if request.method == "POST" and form.is_valid():
        ranking = _ranking(form)
        if "choose" in request.POST:
            try:
                services.model_choose(
                    actor=permissions.signed_in_user(request),
                    project_id=project.pk,
                    considerations={k: form.cleaned_data[k] for k in ModelForm.considerations},
                    chosen_model=form.cleaned_data["chosen_model"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The partnership model is recorded."))
                return redirect("appraisal:model", pk=pk)
    shown = (
        [{"model": f.model.value, "label": f.model.label, "score": f.score, "reasons": f.reasons} for f in ranking]
        if ranking
        else (latest.ranking if latest else [])
    )
    shown = [_model_named(fit) for fit in shown]
    return render(
        request,
        "appraisal/model.html",
        {
            "project": project,
            "cases": cases_for("model"),
            "form": form,
            "latest": latest,
            "shown": shown,
            "fresh": bool(ranking),
            "can_edit": can_edit,
        },
        status=400 if form.errors else 200,
    )


@login_required
def route(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_appraisal(request.user)
    _edit_guard(request, can_edit, "procurement route")
    latest = project.route_choices.first()
    initial = {**latest.facts, "chosen_route": latest.chosen_route, "reason": latest.reason} if latest else {}
    form = RouteForm(request.POST or None, initial=initial)
    recommendation = None
    if request.method == "POST" and form.is_valid():
        facts = {k: form.cleaned_data[k] for k in RouteForm.facts}
        facts["estimated_value"] = str(facts["estimated_value"])
        facts["sole_source_justification"] = facts["sole_source_justification"] or None
        try:
            recommendation = recommend_route(RouteFacts.from_mapping(facts))
        except StructuringInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        if recommendation is not None and "choose" in request.POST:
            try:
                services.route_choose(
                    actor=permissions.signed_in_user(request),
                    project_id=project.pk,
                    facts=facts,
                    chosen_route=form.cleaned_data["chosen_route"],
                    sole_source_justification=form.cleaned_data["sole_source_justification"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The procurement route is recorded."))
                return redirect("appraisal:route", pk=pk)
    return render(
        request,
        "appraisal/route.html",
        {
            "project": project,
            "cases": cases_for("route"),
            "form": form,
            "latest": latest,
            "recommendation": recommendation,
            "recommended_name": ROUTE_NAMES[recommendation.route] if recommendation else "",
            "alternative_names": [ROUTE_NAMES[r] for r in recommendation.alternatives] if recommendation else [],
            "can_edit": can_edit,
        },
        status=400 if form.errors else 200,
    )


def _risk_page(
    request: HttpRequest,
    project: Project,
    *,
    risk_form: RiskForm | None = None,
    import_form: ImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    register = selectors.risk_register(project=project)
    rows = selectors.risk_rows(register=register)
    return render(
        request,
        "appraisal/risks.html",
        {
            "project": project,
            "cases": cases_for("risks"),
            "register": register,
            "rows": rows,
            "totals": selectors.totals(rows),
            "grid": selectors.heat_grid(rows),
            "can_edit": permissions.can_edit_risks(request.user),
            "risk_form": risk_form or RiskForm(initial={"version": register.version}),
            "library_form": LibraryRiskForm(initial={"version": register.version}),
            "import_form": import_form or ImportForm(initial={"version": register.version}),
        },
        status=status,
    )


def _add_from_library(request: HttpRequest, project: Project, actor: Any) -> HttpResponse:
    library = LibraryRiskForm(request.POST)
    if library.is_valid():
        try:
            services.risk_add_from_library(
                actor=actor,
                project_id=project.pk,
                expected_version=library.cleaned_data["version"],
                category=library.cleaned_data["category"],
            )
        except AppraisalError as exc:
            messages.error(request, str(exc))
            return _risk_page(request, project, status=409)
        messages.success(request, _("Library risk added: set its probability and costs."))
    return redirect("appraisal:risks", pk=project.pk)


@login_required
def risks(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    if request.method != "POST":
        return _risk_page(request, project)
    if not permissions.can_edit_risks(request.user):
        raise PermissionDenied(_("Only the PPP unit and finance analysts edit the risk register."))
    actor = permissions.signed_in_user(request)
    if "library" in request.POST:
        return _add_from_library(request, project, actor)
    form = RiskForm(request.POST)
    if not form.is_valid():
        return _risk_page(request, project, risk_form=form, status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    risk_id = int(request.POST["risk_id"]) if request.POST.get("risk_id", "").isdigit() else None
    try:
        services.risk_save(actor=actor, project_id=project.pk, expected_version=version, risk_id=risk_id, **data)
    except ValidationError as exc:
        add_errors(form, exc)
        return _risk_page(request, project, risk_form=form, status=400)
    except AppraisalError as exc:
        form.add_error(None, str(exc))
        return _risk_page(request, project, risk_form=form, status=409)
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None
    messages.success(request, _("The risk register is saved."))
    return redirect("appraisal:risks", pk=pk)


@login_required
def risk_edit(request: HttpRequest, pk: int, risk_id: int) -> HttpResponse:
    project = _project(request, pk)
    register = selectors.risk_register(project=project)
    risk = register.risks.filter(pk=risk_id).first()
    if risk is None:
        raise Http404("No such risk.")
    initial = {f: getattr(risk, f) for f in services.RISK_FIELDS}
    form = RiskForm(initial={**initial, "version": register.version})
    return render(request, "appraisal/risk_edit.html", {"project": project, "risk": risk, "form": form})


@login_required
@require_POST
def risk_delete(request: HttpRequest, pk: int, risk_id: int) -> HttpResponseBase:
    project = _project(request, pk)
    version = request.POST.get("version", "")
    try:
        services.risk_delete(
            actor=permissions.signed_in_user(request),
            project_id=project.pk,
            expected_version=int(version) if version.isdigit() else -1,
            risk_id=risk_id,
        )
    except AppraisalError as exc:
        messages.error(request, str(exc))
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None
    else:
        messages.success(request, _("The risk is removed."))
    return redirect("appraisal:risks", pk=pk)


EXPORT_COLUMNS = services.RISK_FIELDS


@login_required
def risks_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from openpyxl import Workbook

    project = _project(request, pk)
    register = selectors.risk_register(project=project)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = "Risk register"
    sheet.append(list(EXPORT_COLUMNS))
    for risk in register.risks.all():
        sheet.append(
            [
                getattr(risk, c) if not isinstance(getattr(risk, c), Decimal) else float(getattr(risk, c))
                for c in EXPORT_COLUMNS
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="risk-register-project-{project.pk}.xlsx"'
    return response


def parse_register_xlsx(upload: Any) -> list[dict[str, Any]]:
    """Rows of an uploaded register; a ValidationError names the row and column at fault."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise ValidationError({"file": _("This is not an Excel workbook (.xlsx).")}) from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise ValidationError({"file": _("The workbook is empty.")})
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [
        c
        for c in (
            "category",
            "title",
            "probability",
            "cost_min",
            "cost_most_likely",
            "cost_max",
            "share_transferred",
            "allocation_reason",
        )
        if c not in header
    ]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}})
    out = []
    for number, values in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in values):
            continue
        row = {h: v for h, v in zip(header, values, strict=False) if h in EXPORT_COLUMNS}
        try:
            for key in ("cost_min", "cost_most_likely", "cost_max"):
                row[key] = Decimal(str(row.get(key)))
            for key in ("probability", "share_transferred"):
                row[key] = float(str(row[key]))
            for key in ("timing_year", "first_year", "last_year"):
                row[key] = int(float(str(row.get(key) or 1)))
        except (InvalidOperation, TypeError, ValueError, KeyError):
            raise ValidationError(
                {"file": _("Row %(row)s: probability, share, costs and years must be numbers.") % {"row": number}}
            ) from None
        row["once"] = row.get("once") not in (False, 0, "FALSE", "false", "no")
        for key in ("description", "mitigation", "owner", "distribution"):
            row[key] = str(row.get(key) or ("triangular" if key == "distribution" else ""))
        out.append(row)
    return out


@login_required
@require_POST
def risks_import(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    if not permissions.can_edit_risks(request.user):
        raise PermissionDenied(_("Only the PPP unit and finance analysts edit the risk register."))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _risk_page(request, project, import_form=form, status=400)
    try:
        rows = parse_register_xlsx(form.cleaned_data["file"])
        count = services.risks_replace(
            actor=permissions.signed_in_user(request),
            project_id=project.pk,
            expected_version=form.cleaned_data["version"],
            rows=rows,
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return _risk_page(request, project, import_form=form, status=400)
    except AppraisalError as exc:
        form.add_error(None, str(exc))
        return _risk_page(request, project, import_form=form, status=409)
    messages.success(request, _("The register now holds the %(count)s risks from the file.") % {"count": count})
    return redirect("appraisal:risks", pk=pk)


@login_required
def terms(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    can_edit = permissions.can_edit_appraisal(request.user)
    _edit_guard(request, can_edit, "term sheet")
    latest = project.term_sheets.first()
    initial = {**TermsForm.initial_from(latest.terms), "version": latest.version} if latest else {"version": 0}
    form = TermsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            status = _try_save(
                form,
                lambda: services.terms_save(
                    actor=permissions.signed_in_user(request),
                    project_id=project.pk,
                    terms=form.terms(),
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if not status:
                messages.success(request, _("The term sheet is saved and checked."))
                return redirect("appraisal:terms", pk=pk)
    return render(
        request,
        "appraisal/terms.html",
        {
            "project": project,
            "cases": cases_for("terms"),
            "form": form,
            "latest": latest,
            "can_edit": can_edit,
        },
        status=status,
    )


def _term_text(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


@login_required
def terms_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    latest = project.term_sheets.first()
    if latest is None:
        raise Http404("No term sheet is saved yet.")
    rows = [
        (TERM_NAMES.get(key, key.replace("_", " ").capitalize()), _term_text(value))
        for key, value in latest.terms.items()
    ]
    html = render_to_string(
        "appraisal/terms_pdf.html", {"project": project, "sheet": latest, "rows": rows}, request=request
    )
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
    response["Content-Disposition"] = f'attachment; filename="term-sheet-project-{project.pk}-v{latest.version}.pdf"'
    return response


# The term sheet's fields as the PDF names them (`key.replace("_", " ").capitalize()`), in the reader's language.
TERM_NAMES = {
    "payment_mechanisms": gettext_lazy("Payment mechanisms"),
    "indexation": gettext_lazy("Indexation"),
    "incentives": gettext_lazy("Incentives"),
    "penalties": gettext_lazy("Penalties"),
    "deduction_cap_percent": gettext_lazy("Deduction cap percent"),
    "kpis": gettext_lazy("Kpis"),
    "governance_bodies": gettext_lazy("Governance bodies"),
    "reporting_cadence": gettext_lazy("Reporting cadence"),
    "escalation_ladder": gettext_lazy("Escalation ladder"),
    "change_threshold_amount": gettext_lazy("Change threshold amount"),
    "dispute_resolution": gettext_lazy("Dispute resolution"),
    "data_ownership": gettext_lazy("Data ownership"),
    "data_licence": gettext_lazy("Data licence"),
    "privacy_impact_assessment": gettext_lazy("Privacy impact assessment"),
    "open_data_duties": gettext_lazy("Open data duties"),
    "ip_new_developments": gettext_lazy("Ip new developments"),
    "interoperability_open_standards": gettext_lazy("Interoperability open standards"),
    "audit_rights": gettext_lazy("Audit rights"),
    "term_years": gettext_lazy("Term years"),
    "technology_refresh_clause": gettext_lazy("Technology refresh clause"),
    "extension_options": gettext_lazy("Extension options"),
    "exit_plan": gettext_lazy("Exit plan"),
    "hand_back_conditions": gettext_lazy("Hand back conditions"),
    "technology_project": gettext_lazy("Technology project"),
    "personal_data_processed": gettext_lazy("Personal data processed"),
}
