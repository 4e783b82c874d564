"""Reports of a contract's performance: the dashboard (KPIs as traffic lights, the availability heat map, the
deductions by month, the milestones) and a statement as a PDF (for a partner and a council) and as a spreadsheet.
Seen by the same people as the statement page: city staff and the contract's parties; anyone else gets a 404."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from civicpact.performance import dashboard as selectors
from civicpact.performance import services
from civicpact.performance.dashboard import DashboardInputError
from civicpact.performance.models import Statement, StatementStatus
from civicpact.performance.views import _contract, _statement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    asked = request.GET.get("month", "").strip() or None
    error = ""
    try:
        data = selectors.dashboard(contract, month=asked)
    except DashboardInputError as exc:
        error = str(exc)
        data = selectors.dashboard(contract, month=None, with_heat=False)
    context = {"contract": contract, "data": data, "error": error}
    return render(request, "performance/dashboard.html", context, status=400 if error else 200)


def _statement_context(request: HttpRequest, pk: int, statement_pk: int) -> dict[str, Any]:
    contract = _contract(request, pk)
    statement = _statement(contract, statement_pk)
    figures: dict[str, Any] = statement.figures
    doc = services.regime_doc(statement.regime)
    assets = figures.get("assets", [])
    deducting = sorted(
        ({**a, "tiers_text": _tiers(a)} for a in assets if Decimal(a["deduction"]) != 0),
        key=lambda a: (-Decimal(a["deduction"]), a["asset"]),
    )
    return {
        "contract": contract,
        "version": contract.current or contract.latest,
        "statement": statement,
        "figures": figures,
        "doc": doc,
        "ratchet": ", ".join(f"\u00d7{formats.localize(m)}" for m in doc.availability.multipliers),
        "lights": selectors.kpi_lights(statement),
        "deducting": deducting,
        "assets_total": len(assets),
        "disputes": list(statement.disputes.select_related("raised_by", "answered_by")),
        "draft": statement.status != StatementStatus.ISSUED,
        "corrections": list(statement.corrections.all()),
    }


def _tiers(line: dict[str, Any]) -> str:
    """An asset line's deductible intervals, tier by tier (the tiers with any): down / degraded / missing."""
    tier = pgettext("a ratchet tier, before its number", "tier")
    return "; ".join(
        f"{tier} {t['tier'] + 1} \u00d7{formats.localize(Decimal(t['multiplier']))}: "
        f"{t['down']} / {t['degraded']} / {t['missing']}"
        for t in line["tiers"]
        if t["down"] or t["degraded"] or t["missing"]
    )


def _filename(statement: Statement, suffix: str) -> str:
    number = f"-{statement.number}" if statement.number > 1 else ""
    draft = "-draft" if statement.status != StatementStatus.ISSUED else ""
    return f"statement-contract-{statement.contract_id}-{statement.month}{number}{draft}.{suffix}"


@login_required
def statement_pdf(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    """The month's statement for a partner and a council: figures, KPIs, the assets with a deduction, disputes."""
    context = _statement_context(request, pk, statement_pk)
    html = render_to_string("performance/statement_pdf.html", context, request=request)
    try:
        from weasyprint import HTML
    except OSError:
        return HttpResponse(
            _("PDF export needs the Pango library on the server (Debian: libpango-1.0-0)."),
            status=503,
            content_type="text/plain",
        )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(context["statement"], "pdf")}"'
    return response


def _local(moment: datetime) -> datetime:
    """Local wall-clock time without its zone: spreadsheets take no time zones."""
    return timezone.localtime(moment).replace(tzinfo=None)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


@login_required
def statement_xlsx(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    """The statement as a spreadsheet: a Summary sheet, an Assets sheet with every asset line and its ratchet
    tiers, a KPIs sheet and the disputes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    context = _statement_context(request, pk, statement_pk)
    statement: Statement = context["statement"]
    figures: dict[str, Any] = context["figures"]
    currency = figures.get("currency", "")
    book = Workbook()
    summary = book.active
    assert summary is not None  # noqa: S101 - a new workbook always has a sheet
    summary.title = "Summary"
    rows: list[tuple[str, Any]] = [
        ("Contract", str(context["contract"])),
        ("Month", statement.month),
        ("Statement number", statement.number),
        ("Status", "ISSUED" if not context["draft"] else "DRAFT (not issued: recomputed on demand)"),
        ("Issued at", _local(statement.issued_at) if statement.issued_at else None),
        ("Issued by", str(statement.issued_by) if statement.issued_by else None),
        ("Computed at", _local(statement.computed_at)),
        ("Corrects statement", statement.corrects.number if statement.corrects else None),
        ("Reason for the correction", statement.reason or None),
        ("Regime version", statement.regime.number),
        ("Currency", currency),
        ("Index value", _number(figures.get("index_value"))),
        ("Monthly unitary charge", _number(figures["monthly_charge"])),
        ("Availability deductions", _number(figures["availability_deductions"])),
        ("KPI deductions", _number(figures["kpi_deductions"])),
        ("Gross deductions", _number(figures["gross_deductions"])),
        ("Cap", _number(figures["cap_amount"])),
        ("Cap reached", bool(figures["capped"])),
        ("Deductions applied", _number(figures["deductions_applied"])),
        ("Contract availability (%)", _number(figures.get("contract_availability_percent"))),
        ("Availability target (%)", context["doc"].availability.target_percent),
        ("Bonus earned", bool(figures["bonus_earned"])),
        ("Bonus", _number(figures["bonus"])),
        ("Net payment", _number(figures["net_payment"])),
        ("Assets", context["assets_total"]),
        ("Assets with a deduction", len(context["deducting"])),
    ]
    summary.append(["Item", "Value"])
    for label, value in rows:
        summary.append([label, value])
        if isinstance(value, Decimal) and "(%)" not in label and label != "Index value":
            summary.cell(row=summary.max_row, column=2).number_format = MONEY_FORMAT
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 44

    assets = book.create_sheet("Assets")
    lines = figures.get("assets", [])
    tiers = len(lines[0]["tiers"]) if lines else len(context["doc"].availability.multipliers)
    header = [
        "asset",
        "class",
        "share",
        "service intervals",
        "intervals up",
        "availability (%)",
        "outage events",
        "within rectification",
    ]
    for t in range(tiers):
        header += [f"tier {t + 1} multiplier", f"tier {t + 1} down", f"tier {t + 1} degraded", f"tier {t + 1} missing"]
    header += ["weighted intervals", "deduction"]
    assets.append(header)
    for line in lines:
        row: list[Any] = [
            line["asset"],
            line["class"],
            Decimal(line["share"]),
            line["service_slots"],
            line["up_slots"],
            _number(line["availability_percent"]),
            line["events"],
            line["rectified_events"],
        ]
        for tier in line["tiers"]:
            row += [Decimal(tier["multiplier"]), tier["down"], tier["degraded"], tier["missing"]]
        row += [Decimal(line["weighted_slots"]), Decimal(line["deduction"])]
        assets.append(row)
    for column in (3, len(header)):
        for (cell,) in assets.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = MONEY_FORMAT
    assets.freeze_panes = "B2"

    kpis = book.create_sheet("KPIs")
    kpis.append(["kpi", "name", "failures", "deduction per failure", "deduction"])
    for k in figures.get("kpis", []):
        kpis.append([k["kpi"], k["name"], k["failures"], Decimal(k["deduction_per_failure"]), Decimal(k["deduction"])])
    disputes = book.create_sheet("Disputes")
    disputes.append(["line", "raised at", "reason", "status", "answer"])
    for d in context["disputes"]:
        disputes.append([d.line, _local(d.raised_at), d.reason, d.get_status_display(), d.answer])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(statement, "xlsx")}"'
    return response
