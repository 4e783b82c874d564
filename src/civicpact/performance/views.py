"""Pages of a contract's performance: the regime, the asset register, telemetry uploads (a background ingest with
progress and a rejection report), and the monthly statements (computed, issued, disputed)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpact.accounts import permissions
from civicpact.contracts import selectors as contracts
from civicpact.contracts.models import Contract
from civicpact.domain.performance.regime import regime_from_mapping, regime_to_text
from civicpact.performance import drilldown, services
from civicpact.performance.forms import AssetsForm, DisputeForm, MonthForm, RegimeForm, TelemetryForm
from civicpact.performance.models import Asset, IngestBatch, Statement
from civicpact.util import run_with_form


def _contract(request: HttpRequest, pk: int) -> Contract:
    try:
        return contracts.contract_get(actor=request.user, pk=pk)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None


def _manage(request: HttpRequest) -> None:
    if not permissions.can_manage_contracts(request.user):
        raise PermissionDenied(_("Only contract managers and the PPP unit do this."))


def _run(request: HttpRequest, form: Any, call: Any) -> int:
    return run_with_form(form, call, (services.PerformanceError,))


def _context(request: HttpRequest, contract: Contract, **forms: Any) -> dict[str, Any]:
    manager = permissions.can_manage_contracts(request.user)
    partner = contracts.is_partner(request.user, contract)
    regime = services.latest_regime(contract)
    return {
        "contract": contract,
        "regime": regime,
        "assets": Asset.objects.filter(contract=contract).count(),
        "batches": IngestBatch.objects.filter(contract=contract)[:10],
        "statements": Statement.objects.filter(contract=contract),
        "can_manage": manager,
        "can_send": manager or partner,
        "assets_form": forms.get("assets_form") or (AssetsForm() if manager and regime else None),
        "telemetry_form": forms.get("telemetry_form")
        or (TelemetryForm() if (manager or partner) and regime else None),
        "month_form": forms.get("month_form") or (MonthForm() if manager and regime else None),
        # the partner's performance record: for city staff and the partner itself (not a guarantor)
        "partners": [p for p in contract.latest.parties if p["role"] == "partner"]
        if partner or permissions.can_view_all_contracts(request.user)
        else [],
    }


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return render(request, "performance/overview.html", _context(request, contract))


@login_required
def regime_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    regime = services.latest_regime(contract)
    export = request.GET.get("export")
    if export in ("yaml", "json") and regime is not None:
        text = regime_to_text(regime_from_mapping(regime.document), format=export)  # type: ignore[arg-type]
        response = HttpResponse(text, content_type="application/json" if export == "json" else "application/yaml")
        response["Content-Disposition"] = f'attachment; filename="regime-{contract.pk}-v{regime.number}.{export}"'
        return response
    manager = permissions.can_manage_contracts(request.user)
    if request.method == "POST" and not manager:
        raise PermissionDenied(_("Only contract managers and the PPP unit set the regime."))
    initial = {
        "number": regime.number if regime else 0,
        "text": regime_to_text(regime_from_mapping(regime.document), format="yaml") if regime else "",
        "text_format": "yaml",
    }
    form = RegimeForm(request.POST or None, initial=initial) if manager else None
    status = 200
    if request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            status = _run(
                request,
                form,
                lambda: services.regime_save(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    expected_number=data["number"],
                    rationale=data["rationale"],
                    text=data["text"],
                    text_format=data["text_format"],
                ),
            )
            if not status:
                messages.success(
                    request, _("The new version of the regime is saved; statements say which one they use.")
                )
                return redirect("performance:overview", pk=contract.pk)
    context = {"contract": contract, "regime": regime, "form": form, "text": initial["text"]}
    return render(request, "performance/regime.html", context, status=status)


@login_required
@require_POST
def assets_upload(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    _manage(request)
    form = AssetsForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text (a CSV is expected)."))
        else:
            changed: list[int] = []
            status = _run(
                request,
                form,
                lambda: changed.append(
                    services.assets_import(
                        actor=permissions.signed_in_user(request),
                        contract_id=contract.pk,
                        rows=services.assets_from_csv(text),
                    )
                ),
            )
            if not status:
                messages.success(
                    request, _("The register is updated: %(count)s asset(s) added or changed.") % {"count": changed[0]}
                )
                return redirect("performance:overview", pk=contract.pk)
    return render(request, "performance/overview.html", _context(request, contract, assets_form=form), status=status)


@login_required
@require_POST
def telemetry_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the upload and queue its ingest; the batch page shows the progress and the rejections."""
    from civicpact.performance.tasks import ingest_task

    contract = _contract(request, pk)
    form = TelemetryForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "performance/overview.html", _context(request, contract, telemetry_form=form), status=400
        )
    upload = form.cleaned_data["file"]
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix not in (".csv", ".ndjson", ".jsonl", ".parquet"):
        form.add_error("file", _("Send a .csv, .ndjson or .parquet file."))
        return render(
            request, "performance/overview.html", _context(request, contract, telemetry_form=form), status=400
        )
    batch = services.batch_create(
        actor=permissions.signed_in_user(request), contract_id=contract.pk, source="upload", filename=upload.name
    )
    folder = services.store_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    transaction.on_commit(lambda: ingest_task.enqueue(batch.pk, str(path), form.cleaned_data["feed"]))
    messages.success(request, _("The file is received; its ingest runs in the background."))
    return redirect("performance:batch", pk=contract.pk, batch_pk=batch.pk)


@login_required
def batch_detail(request: HttpRequest, pk: int, batch_pk: int) -> HttpResponse | FileResponse:
    contract = _contract(request, pk)
    batch = IngestBatch.objects.filter(contract=contract, pk=batch_pk).first()
    if batch is None:
        raise Http404("No such batch.")
    if request.GET.get("report") == "csv":
        if not batch.report:
            raise Http404("This batch has no rejection report.")
        return FileResponse(open(batch.report, "rb"), as_attachment=True, filename=f"rejections-batch-{batch.pk}.csv")
    running = batch.status in ("queued", "running")
    return render(request, "performance/batch.html", {"contract": contract, "batch": batch, "running": running})


@login_required
@require_POST
def statement_compute(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    _manage(request)
    form = MonthForm(request.POST)
    status = 400
    if form.is_valid():
        computed: list[Statement] = []
        status = _run(
            request,
            form,
            lambda: computed.append(
                services.statement_compute(
                    actor=permissions.signed_in_user(request),
                    contract_id=contract.pk,
                    month=form.cleaned_data["month"],
                    index_value=form.cleaned_data["index"],
                )
            ),
        )
        if not status:
            return redirect("performance:statement", pk=contract.pk, statement_pk=computed[0].pk)
    return render(request, "performance/overview.html", _context(request, contract, month_form=form), status=status)


def _statement(contract: Contract, statement_pk: int) -> Statement:
    statement = Statement.objects.filter(contract=contract, pk=statement_pk).select_related("regime").first()
    if statement is None:
        raise Http404("No such statement.")
    return statement


@login_required
def statement_detail(request: HttpRequest, pk: int, statement_pk: int, dispute_form: Any = None) -> HttpResponse:
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    assets = statement.figures.get("assets", [])
    partner = contracts.is_partner(request.user, contract)
    context = {
        "contract": contract,
        "statement": statement,
        "figures": statement.figures,
        "deducting": [
            {**a, "tiers": [{**t, "multiplier": formats.localize(Decimal(t["multiplier"]))} for t in a["tiers"]]}
            for a in assets
            if a["deduction"] not in ("0", "0.00")
        ],
        "assets_total": len(assets),
        "disputes": statement.disputes.all(),
        "can_manage": permissions.can_manage_contracts(request.user),
        "dispute_form": dispute_form or (DisputeForm() if partner and statement.status == "issued" else None),
        "table": drilldown.asset_lines(
            statement,
            sort=request.GET.get("sort", "deduction"),
            query=request.GET.get("q", ""),
            page=request.GET.get("page", 1),
        ),
    }
    return render(request, "performance/statement.html", context, status=400 if dispute_form else 200)


@login_required
@require_POST
def statement_issue(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    try:
        services.statement_issue(actor=permissions.signed_in_user(request), statement_id=statement.pk)
    except services.PerformanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The statement is issued: it is frozen, and the partner can dispute its lines."))
    return redirect("performance:statement", pk=contract.pk, statement_pk=statement.pk)


@login_required
@require_POST
def dispute_raise(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        status = _run(
            request,
            form,
            lambda: services.dispute_raise(
                actor=permissions.signed_in_user(request),
                statement_id=statement.pk,
                line=form.cleaned_data["line"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if not status:
            messages.success(request, _("Your dispute is recorded; the city answers it here."))
            return redirect("performance:statement", pk=contract.pk, statement_pk=statement.pk)
    return statement_detail(request, pk, statement_pk, dispute_form=form)


@login_required
@require_POST
def dispute_answer(request: HttpRequest, pk: int, statement_pk: int, dispute_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    dispute = statement.disputes.filter(pk=dispute_pk).first()
    if dispute is None:
        raise Http404("No such dispute.")
    try:
        services.dispute_answer(
            actor=permissions.signed_in_user(request),
            dispute_id=dispute.pk,
            upheld=request.POST.get("upheld") == "yes",
            answer=request.POST.get("answer", ""),
        )
    except (ValidationError, services.PerformanceError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The answer is recorded."))
    return redirect("performance:statement", pk=contract.pk, statement_pk=statement.pk)


@login_required
@require_POST
def statement_correct(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    try:
        correction = services.statement_correct(
            actor=permissions.signed_in_user(request), statement_id=statement.pk, reason=request.POST.get("reason", "")
        )
    except (ValidationError, services.PerformanceError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("performance:statement", pk=contract.pk, statement_pk=statement.pk)
    messages.success(
        request,
        _("Statement #%(correction)s corrects #%(statement)s; issue it when it is right.")
        % {"correction": correction.number, "statement": statement.number},
    )
    return redirect("performance:statement", pk=contract.pk, statement_pk=correction.pk)
