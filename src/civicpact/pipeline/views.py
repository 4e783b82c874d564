from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.accounts.models import Organisation
from civicpact.pipeline import selectors, services
from civicpact.pipeline.exceptions import PipelineError
from civicpact.pipeline.forms import (
    DocumentForm,
    GateForm,
    NeedFilterForm,
    NeedForm,
    ProjectForm,
    RfiForm,
    RfiResponseForm,
    WithdrawForm,
)
from civicpact.pipeline.models import Document, Need, NeedStatus, Project, Rfi
from civicpact.util import add_errors
from civicpact.web.charts import horizontal_bars, timeline


def _departments_for(user: Any) -> Any:
    departments = Organisation.objects.departments()
    if permissions.has_role(user, "procurement_officer", "administrator"):
        return departments
    return departments.filter(pk__in=permissions.lead_departments(user))


def _need_or_404(request: HttpRequest, pk: int) -> Need:
    try:
        return selectors.need_get(actor=request.user, pk=pk)
    except Need.DoesNotExist:
        raise Http404("No such need.") from None


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    try:
        return selectors.project_get(actor=request.user, pk=pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    filters = NeedFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    needs = selectors.need_list(
        actor=request.user,
        department=getattr(data.get("department"), "pk", None),
        status=data.get("status", ""),
        text=data.get("q", ""),
        tag=data.get("tag", ""),
        sdg=data.get("sdg"),
    )
    return render(
        request,
        "pipeline/need_list.html",
        {
            "needs": needs,
            "filters": filters,
            "can_create": any(permissions.can_create_need(request.user, d.pk) for d in _departments_for(request.user)),
        },
    )


@login_required
def need_create(request: HttpRequest) -> HttpResponse:
    departments = _departments_for(request.user)
    if not departments.exists():
        raise PermissionDenied(_("Only department leads and procurement officers register needs."))
    form = NeedForm(
        request.POST or None,
        departments=departments,
        initial={"department": departments.first() if departments.count() == 1 else None},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            need = services.need_create(actor=permissions.signed_in_user(request), **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The need is registered. Other departments with a similar need are shown below.")
            )
            return redirect("pipeline:need-detail", pk=need.pk)
    return render(request, "pipeline/need_form.html", {"form": form, "need": None}, status=400 if form.errors else 200)


@login_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk)
    if not permissions.can_edit_need(request.user, need):
        raise PermissionDenied(_("Only the department's lead or a procurement officer may edit this need."))
    initial = {f: getattr(need, f) for f in services.NEED_FIELDS}
    initial.update(department=need.department, version=need.version)
    form = NeedForm(
        request.POST or None, initial=initial, departments=Organisation.objects.filter(pk=need.department_id)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("department")
            version = data.pop("version") or 0
            try:
                services.need_update(
                    actor=permissions.signed_in_user(request), need_id=need.pk, expected_version=version, **data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except PipelineError as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("pipeline:need-detail", pk=need.pk)
        status = 409 if status == 409 else 400
    return render(request, "pipeline/need_form.html", {"form": form, "need": need}, status=status)


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk)
    return render(
        request,
        "pipeline/need_detail.html",
        {
            "need": need,
            "synergies": selectors.need_synergies(actor=request.user, need=need),
            "suppliers": selectors.need_supplier_matches(actor=request.user, need=need),
            "documents": need.documents.all(),
            "can_edit": permissions.can_edit_need(request.user, need),
            "can_project": need.status == NeedStatus.OPEN and permissions.can_create_project(request.user),
            "document_form": DocumentForm(),
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
@require_POST
def need_withdraw(request: HttpRequest, pk: int) -> HttpResponseBase:
    need = _need_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the need is withdrawn."))
        return redirect("pipeline:need-detail", pk=need.pk)
    try:
        services.need_withdraw(
            actor=permissions.signed_in_user(request), need_id=need.pk, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The need is withdrawn."))
    return redirect("pipeline:need-detail", pk=need.pk)


@login_required
@require_POST
def need_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    need = _need_or_404(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(str(e) for e in errors)}",
            )
        return redirect("pipeline:need-detail", pk=need.pk)
    services.document_attach(
        actor=permissions.signed_in_user(request),
        upload=form.cleaned_data["file"],
        title=form.cleaned_data["title"],
        document_type=form.cleaned_data["document_type"],
        need=need,
    )
    messages.success(request, _("The document is attached."))
    return redirect("pipeline:need-detail", pk=need.pk)


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = Document.objects.select_related("need", "project", "gate__project").filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    if document.need is not None:
        _need_or_404(request, document.need.pk)
    project = document.project or (document.gate.project if document.gate else None)
    if project is not None:
        _project_or_404(request, project.pk)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


@login_required
def project_board(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pipeline/project_board.html",
        {
            "columns": selectors.pipeline_board(actor=request.user),
            "can_create": permissions.can_create_project(request.user),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_project(request.user):
        raise PermissionDenied(_("Only department leads and procurement officers create projects."))
    needs = selectors.need_list(actor=request.user, status=NeedStatus.OPEN)
    if permissions.lead_departments(request.user) and not permissions.can_view_all_needs(request.user):
        # a lead may pool its needs with the needs that synergies suggested
        needs = Need.objects.open().select_related("department")
    departments = Organisation.objects.departments()
    initial: dict[str, Any] = {}
    if request.GET.get("need", "").isdigit():
        seed = _need_or_404(request, int(request.GET["need"]))
        suggested = [s.need_id for s in selectors.need_synergies(actor=request.user, need=seed)]
        initial = {
            "needs": [seed.pk, *suggested[:1]],
            "lead_department": seed.department,
            "title": seed.title,
            "summary": seed.outcomes_sought,
            "planned_procurement_year": seed.first_year,
            "planned_start_year": seed.first_year,
            "duration_years": max(1, seed.last_year - seed.first_year + 1),
        }
    form = ProjectForm(request.POST or None, needs=needs, departments=departments, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                project = services.project_create(
                    actor=permissions.signed_in_user(request),
                    title=data["title"],
                    summary=data["summary"],
                    lead_department=data["lead_department"],
                    need_ids=[n.pk for n in data["needs"]],
                    budget_shares=form.budget_shares(),
                    planned_procurement_year=data["planned_procurement_year"],
                    planned_start_year=data["planned_start_year"],
                    duration_years=data["duration_years"],
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "need_ids" in exc.error_dict:
                exc.error_dict["needs"] = exc.error_dict.pop("need_ids")
            if hasattr(exc, "error_dict") and "budget_shares" in exc.error_dict:
                exc.error_dict["__all__"] = exc.error_dict.pop("budget_shares")
            add_errors(form, exc)
        else:
            messages.success(request, _("The project is created at the idea stage."))
            return redirect("pipeline:project-detail", pk=project.pk)
    return render(request, "pipeline/project_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def project_detail(
    request: HttpRequest, pk: int, gate_form: GateForm | None = None, status: int = 200
) -> HttpResponse:
    project = _project_or_404(request, pk)
    total, shares = selectors.pooled_budget(project=project)
    chart = horizontal_bars(_("Pooled budget by department"), [(s.department, s.amount) for s in shares])
    return render(
        request,
        "pipeline/project_detail.html",
        {
            "project": project,
            "needs": selectors.project_needs(project=project),
            "total": total,
            "shares": shares,
            "chart": chart,
            "gates": project.gates.select_related("decided_by"),
            "can_decide": permissions.can_decide_gate(request.user, project) and project.stage != "closed",
            "can_tender": permissions.can_manage_tenders(request.user),
            "gate_form": gate_form or GateForm(initial={"expected_stage": project.stage}),
            "documents": project.documents.all(),
        },
        status=status,
    )


@login_required
@require_POST
def project_gate(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    form = GateForm(request.POST, request.FILES)
    if not form.is_valid():
        return project_detail(request, pk, gate_form=form, status=400)
    actor = permissions.signed_in_user(request)
    try:
        with transaction.atomic():
            record = services.gate_decide(
                actor=actor,
                project_id=project.pk,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
                expected_stage=form.cleaned_data["expected_stage"],
                document=form.cleaned_data.get("document"),
            )
    except ValidationError as exc:
        add_errors(form, exc)
        return project_detail(request, pk, gate_form=form, status=400)
    except PipelineError as exc:
        form.add_error(None, str(exc))
        return project_detail(request, pk, gate_form=form, status=409)
    messages.success(
        request,
        _("Gate decision recorded: %(decision)s. The project is now at %(stage)s.")
        % {"decision": record.get_decision_display(), "stage": record.get_resulting_stage_display()},
    )
    return redirect("pipeline:project-detail", pk=pk)


@login_required
def roadmap(request: HttpRequest) -> HttpResponse:
    bars = selectors.roadmap(actor=request.user)
    chart = timeline(
        _("ICT roadmap: projects by year"),
        [(b.title, b.start_year, b.end_year, b.procurement_year, b.stage_label) for b in bars],
    )
    return render(request, "pipeline/roadmap.html", {"bars": bars, "chart": chart})


@login_required
def rfi_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    if not permissions.can_manage_rfis(request.user):
        raise PermissionDenied(_("Only procurement officers run market soundings."))
    form = RfiForm(
        request.POST or None, initial={"title": _("Market sounding: %(project)s") % {"project": project.title}}
    )
    if request.method == "POST" and form.is_valid():
        try:
            rfi = services.rfi_create(
                actor=permissions.signed_in_user(request), project_id=project.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The market sounding is saved. Verified suppliers can now answer it.")
                if rfi.status == "published"
                else _("The market sounding is saved."),
            )
            return redirect("pipeline:rfi-detail", pk=rfi.pk)
    return render(
        request, "pipeline/rfi_form.html", {"form": form, "project": project}, status=400 if form.errors else 200
    )


@login_required
def opportunities(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pipeline/opportunities.html",
        {
            "rfis": selectors.rfi_list_open_to_suppliers(actor=request.user),
            "now": timezone.now(),
        },
    )


@login_required
def rfi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rfi = selectors.rfi_get(actor=request.user, pk=pk)
    except Rfi.DoesNotExist:
        raise Http404("No such market sounding.") from None
    responses = selectors.rfi_responses(actor=request.user, rfi=rfi)
    is_city = permissions.can_view_pipeline(request.user)
    form = None
    status = 200
    if permissions.can_respond_to_rfis(request.user) and rfi.is_open(timezone.now()):
        mine = responses[0] if responses else None
        initial = (
            {f: getattr(mine, f) for f in ("interest", "capability", "price_min", "price_max", "questions")}
            if mine
            else {}
        )
        form = RfiResponseForm(request.POST or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.rfi_respond(actor=permissions.signed_in_user(request), rfi_id=rfi.pk, **form.cleaned_data)
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("Your response is saved. You can change it until the deadline."))
                    return redirect("pipeline:rfi-detail", pk=rfi.pk)
            status = 400
    elif request.method == "POST":
        raise PermissionDenied(_("Only users of a verified supplier may answer, and only while the request is open."))
    return render(
        request,
        "pipeline/rfi_detail.html",
        {
            "rfi": rfi,
            "responses": responses,
            "is_city": is_city,
            "form": form,
            "can_close": permissions.can_manage_rfis(request.user) and rfi.status == "published",
        },
        status=status,
    )


@login_required
@require_POST
def rfi_close(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rfi = selectors.rfi_get(actor=request.user, pk=pk)
        services.rfi_close(actor=permissions.signed_in_user(request), rfi_id=rfi.pk)
    except Rfi.DoesNotExist:
        raise Http404("No such market sounding.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The market sounding is closed."))
    return redirect("pipeline:rfi-detail", pk=pk)
