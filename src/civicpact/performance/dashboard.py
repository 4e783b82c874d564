"""Reads for a contract's performance dashboard (no writes): the latest statement's KPIs against the regime's
targets as traffic lights, an availability heat map of assets x days for a month (DuckDB over the month's
interval rows), the deductions by month from the statements, and the transition milestones.

The heat map's figure for an asset and a local day is the share of the day's service intervals that were up
(state 0), as the statement counts availability: missing intervals are not up (with `missing_data: excluded`
they are left out, as the engine leaves them out of S). Slots are given their local day by the service calendar
(`domain/performance/calendar`), so a daylight-saving day has its 92 or 100 quarter-hours. Percentages are
rounded down, like the statement's, so that 100% means every interval was up.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import ceil, floor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from civicpact import l10n
from civicpact.contracts.models import Contract, Milestone
from civicpact.domain.performance import calendar
from civicpact.domain.performance.regime import AssetClass
from civicpact.domain.performance.regime import Regime as RegimeDoc
from civicpact.performance import ingest as telemetry
from civicpact.performance import services
from civicpact.performance.models import Asset, Regime, Statement

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
HEAT_ROWS = 40  # the least available assets shown in the heat map
SLOT_SPAN = 1 << 16  # above any month's slot count (5-minute intervals: under 9,000): class x SPAN + slot is a key
AMBER_POINTS = Decimal(1)  # availability within this many percentage points below the target is amber

# The heat map's colour bands (share of the day's service intervals up, lowest first), darker is worse. Written
# as SVG presentation attributes (they hold in a PDF too); the figures are in the data table beside the chart.
BANDS: tuple[tuple[Decimal, str, Any], ...] = (
    (Decimal(0), "#7a0019", gettext_lazy("under 50%")),
    (Decimal(50), "#d7301f", gettext_lazy("50 to 74.9%")),
    (Decimal(75), "#fc8d59", gettext_lazy("75 to 89.9%")),
    (Decimal(90), "#fdcc8a", gettext_lazy("90 to 94.9%")),
    (Decimal(95), "#fef0d9", gettext_lazy("95 to 99.9%")),
    (Decimal(100), "#dbe7f3", gettext_lazy("100%")),
)
NO_FIGURE: tuple[str, Any] = ("#8c959f", gettext_lazy("no service interval"))
INK = "#1b1f24"
BAR = "#0b5394"
CAP = "#a4161a"


class DashboardInputError(ValueError):
    """A request the dashboard cannot answer (e.g. a month that is not one); the message is shown as it is."""


def parse_month(value: str) -> str:
    value = value.strip()
    if not MONTH.match(value):
        raise DashboardInputError(
            _("%(value)s is not a month: write it as YYYY-MM, e.g. 2026-03.") % {"value": repr(value)}
        )
    return value


def _rounded_down(value: Fraction, places: int) -> Decimal:
    return Decimal(f"{floor(value * 10**places)}e-{places}").quantize(Decimal(1).scaleb(-places))


def _percent(up: int, slots: int, places: int = 1) -> Decimal | None:
    return None if slots <= 0 else _rounded_down(Fraction(100 * up, slots), places)


# --- the KPIs of the latest statement --------------------------------------------------------------------------


@dataclass(frozen=True)
class Light:
    """A KPI against its target: the status is a colour and a label (`ok`, `warn`, `bad` or `none`)."""

    name: str
    target: str
    actual: str
    status: str
    label: str


def availability_status(actual: Decimal | None, target: Decimal) -> tuple[str, str]:
    """Green at or above the target, amber within one percentage point below it, red further below."""
    if actual is None:
        return "none", _("No figure")
    if actual >= target:
        return "ok", _("On target")
    if actual >= target - AMBER_POINTS:
        return "warn", _("Just below target")
    return "bad", _("Below target")


def _money(value: Decimal | str, currency: str) -> str:
    return l10n.money(value, currency)


def kpi_lights(statement: Statement) -> list[Light]:
    figures: dict[str, Any] = statement.figures
    doc = services.regime_doc(statement.regime)
    currency = figures.get("currency", doc.currency)
    target = doc.availability.target_percent
    raw = figures.get("contract_availability_percent")
    actual = Decimal(raw) if raw is not None else None
    lights = [
        Light(
            _("Contract availability"),
            _("at least %(target)s%%") % {"target": formats.localize(target)},
            f"{formats.localize(actual)}%" if actual is not None else _("no service interval"),
            *availability_status(actual, target),
        )
    ]
    gross, cap = Decimal(figures["gross_deductions"]), Decimal(figures["cap_amount"])
    applied = Decimal(figures["deductions_applied"])
    if figures.get("capped"):
        status, label = "bad", _("Cap reached")
        actual_text = _("%(gross)s gross, %(applied)s applied") % {
            "gross": _money(gross, currency),
            "applied": _money(applied, currency),
        }
    elif cap > 0:
        status, label = "ok", _("Within the cap")
        actual_text = _("%(applied)s (%(share)s%% of the cap)") % {
            "applied": _money(applied, currency),
            "share": formats.localize(_rounded_down(Fraction(gross * 100 / cap), 1)),
        }
    else:
        status, label = "ok", _("Within the cap")
        actual_text = _money(applied, currency)
    cap_text = _("cap %(cap)s (%(percent)s%% of U)") % {
        "cap": _money(cap, currency),
        "percent": formats.localize(doc.cap_percent),
    }
    lights.append(Light(_("Deductions against the cap"), cap_text, actual_text, status, label))
    if doc.bonus is None:
        lights.append(Light(_("Bonus"), _("none in the regime"), "—", "none", _("No bonus")))
    else:
        earned = bool(figures.get("bonus_earned"))
        lights.append(
            Light(
                _("Bonus"),
                _("%(percent)s%% of U at availability of %(threshold)s%% or more")
                % {
                    "percent": formats.localize(doc.bonus.percent),
                    "threshold": formats.localize(doc.bonus.threshold_percent),
                },
                _money(figures["bonus"], currency) if earned else _("not earned"),
                "ok" if earned else "none",
                _("Earned") if earned else _("Not earned"),
            )
        )
    kpis = {k.key: k for k in doc.kpis}
    for line in figures.get("kpis", []):
        kpi = kpis.get(line["kpi"])
        if kpi is None:
            target_text = "—"
        elif kpi.kind == "periodic":
            target_text = formats.localize(kpi.target)
        else:
            target_text = _("%(target)s hours") % {"target": formats.localize(kpi.target)}
        failures = int(line["failures"])
        lights.append(
            Light(
                line["name"],
                target_text,
                (
                    _("%(failures)s failure, %(deduction)s")
                    if failures == 1
                    else _("%(failures)s failures, %(deduction)s")
                )
                % {"failures": failures, "deduction": _money(line["deduction"], currency)},
                "ok" if failures == 0 else "bad",
                _("Met") if failures == 0 else _("Missed"),
            )
        )
    return lights


# --- the heat map ------------------------------------------------------------------------------------------------


def _windows(asset_class: AssetClass) -> tuple[calendar.ServiceWindow, ...]:
    return tuple(calendar.ServiceWindow(h.weekdays, h.from_minute, h.to_minute) for h in asset_class.service_hours)


def slot_days(
    year: int, month: int, *, tz: str, interval_minutes: int, windows: Sequence[calendar.ServiceWindow]
) -> list[int]:
    """The local day of the month of each service slot, slot by slot (0 … S-1)."""
    zone = ZoneInfo(tz)
    starts = calendar.service_slots(year, month, tz=tz, interval_minutes=interval_minutes, windows=windows)
    return [start.astimezone(zone).day for start in starts]


@dataclass(frozen=True)
class HeatCell:
    day: int
    up: int
    slots: int  # the day's service intervals (the intervals with data, when missing data is excluded)
    percent: Decimal | None  # rounded down to 0.1; None without service intervals
    fill: str
    x: float
    y: float

    @property
    def label(self) -> str:
        return "—" if self.percent is None else f"{formats.localize(self.percent)}%"

    @property
    def figure(self) -> str:
        return "—" if self.percent is None else str(formats.localize(self.percent))

    @property
    def up_note(self) -> str:
        return _("%(up)s of %(slots)s intervals up") % {
            "up": self.up,
            "slots": self.slots,
        }


@dataclass(frozen=True)
class HeatRow:
    asset: str
    month_percent: Decimal | None  # over the month, rounded down to 0.001 (as the statement)
    cells: tuple[HeatCell, ...]
    y: float
    text_y: float


@dataclass(frozen=True)
class DayLabel:
    day: date
    x: float
    initial: str
    weekend: bool


@dataclass(frozen=True)
class LegendItem:
    fill: str
    label: str
    x: float
    y: float

    @property
    def text_x(self) -> float:
        return self.x + 18

    @property
    def text_y(self) -> float:
        return self.y + 11


@dataclass(frozen=True)
class HeatMap:
    month: str
    title: str
    days: tuple[DayLabel, ...]
    rows: tuple[HeatRow, ...]
    assets_total: int
    hidden: int  # assets not shown
    hidden_min_month: Decimal | None  # the lowest month availability among them (rounded down to 0.001)
    hidden_min_day: Decimal | None  # their lowest day (rounded down to 0.1)
    has_data: bool  # the month has interval rows at all
    width: int
    height: int
    label_width: int
    cell_width: int
    cell_height: int
    grid_top: int
    month_x: float
    legend: tuple[LegendItem, ...]

    @property
    def label_x(self) -> int:
        return self.label_width - 6


def _fill(percent: Decimal | None) -> str:
    if percent is None:
        return NO_FIGURE[0]
    colour = BANDS[0][1]
    for lower, fill, _label in BANDS:
        if percent >= lower:
            colour = fill
    return colour


HEAT_SQL = """
CREATE TEMP TABLE grid AS
WITH per_day AS (
    SELECT r.asset, d.day, count(*) AS observed, count(*) FILTER (WHERE r.state = 0) AS up
    FROM {rows} AS r
    JOIN heat_register AS g ON g.asset = r.asset
    JOIN heat_slot_days AS d ON d.key = g.class * {slot_span} + r.slot
    GROUP BY r.asset, d.day
)
SELECT g.asset, c.day, c.slots,
       CAST(coalesce(p.observed, 0) AS BIGINT) AS observed,
       CAST(coalesce(p.up, 0) AS BIGINT) AS up
FROM heat_register AS g
JOIN heat_class_days AS c ON c.class = g.class
LEFT JOIN per_day AS p ON p.asset = g.asset AND p.day = c.day
"""
# per asset: the month's totals and its worst day (by the share up; days without a denominator are not days)
HEAT_TOTALS_SQL = """
SELECT asset, CAST(sum(up) AS BIGINT), CAST(sum({denominator}) AS BIGINT),
       arg_min(up, CASE WHEN {denominator} > 0 THEN up / {denominator} END),
       arg_min({denominator}, CASE WHEN {denominator} > 0 THEN up / {denominator} END)
FROM grid
GROUP BY asset
"""


def _month_files(contract: Contract, month: str) -> list[str]:
    directory = telemetry.interval_dir(services.store_dir(), str(contract.pk), month)
    if not directory.is_dir():
        return []
    return sorted(str(p) for p in Path(directory).glob("*.parquet") if not p.name.startswith("."))


def heat_map(contract: Contract, regime: Regime, month: str, *, rows: int = HEAT_ROWS) -> HeatMap:
    """The `rows` least available assets of the register over the month, by local day."""
    year, number = (int(part) for part in parse_month(month).split("-"))
    doc: RegimeDoc = services.regime_doc(regime)
    measurement = doc.measurement
    classes = list(doc.asset_classes)
    class_index = {c.key: i for i, c in enumerate(classes)}
    slot_class: list[int] = []
    slot_number: list[int] = []
    slot_day: list[int] = []
    for index, asset_class in enumerate(classes):
        days = slot_days(
            year,
            number,
            tz=measurement.timezone,
            interval_minutes=measurement.interval_minutes,
            windows=_windows(asset_class),
        )
        slot_class.extend([index] * len(days))
        slot_number.extend(range(len(days)))
        slot_day.extend(days)
    last_day = monthrange(year, number)[1]
    register = list(Asset.objects.filter(contract=contract).values_list("number", "asset_id", "asset_class"))
    asset_of = {n: asset_id for n, asset_id, _ in register}
    excluded = measurement.missing_data == "excluded"
    denominator = "observed" if excluded else "slots"
    files = _month_files(contract, month)
    with duckdb.connect(":memory:") as con:
        con.register(
            "heat_register",
            pa.table(
                {
                    "asset": pa.array([n for n, _, _ in register], pa.int32()),
                    "class": pa.array([class_index[c] for _, _, c in register], pa.int32()),
                }
            ),
        )
        # one integer key per (class, slot): a join on it is several times faster than on the pair
        keys = [c * SLOT_SPAN + n for c, n in zip(slot_class, slot_number, strict=True)]
        con.register(
            "heat_slot_days",
            pa.table(
                {
                    "key": pa.array(keys, pa.int32()),
                    "class": pa.array(slot_class, pa.int32()),
                    "day": pa.array(slot_day, pa.int32()),
                }
            ),
        )
        # every (class, day) of the month, with its number of service slots (0 on a day without service)
        con.execute(
            "CREATE TEMP TABLE heat_class_days AS "
            "SELECT c.class, d.day, CAST(count(s.key) AS BIGINT) AS slots "
            "FROM (SELECT unnest($1::INTEGER[]) AS class) AS c "
            "CROSS JOIN (SELECT unnest(range(1, $2 + 1)) AS day) AS d "
            "LEFT JOIN heat_slot_days AS s ON s.class = c.class AND s.day = d.day "
            "GROUP BY c.class, d.day",
            [list(range(len(classes))), last_day],
        )
        source = (
            "read_parquet($1, hive_partitioning = false)"
            if files
            else "(SELECT 0 AS asset, 0 AS slot, CAST(0 AS TINYINT) AS state WHERE FALSE)"
        )
        with telemetry.store_lock(services.store_dir(), str(contract.pk), shared=True):
            con.execute(HEAT_SQL.format(rows=source, slot_span=SLOT_SPAN), [files] if files else [])
        totals = con.execute(HEAT_TOTALS_SQL.format(denominator=denominator)).fetchall()

        def rank(item: tuple[Any, ...]) -> tuple[int, Fraction, str]:
            _asset, up, slots, _worst_up, _worst_slots = item
            # assets without any figure first (nothing is known of them), then the least available
            return (1, Fraction(up, slots), asset_of[item[0]]) if slots else (0, Fraction(0), asset_of[item[0]])

        ranked = sorted(totals, key=rank)
        shown, hidden = ranked[:rows], ranked[rows:]
        numbers = [item[0] for item in shown]
        cells = con.execute(
            f"SELECT asset, day, up, {denominator} FROM grid WHERE asset IN (SELECT unnest($1::INTEGER[])) "  # noqa: S608
            "ORDER BY asset, day",
            [numbers],
        ).fetchall()
    by_asset: dict[int, list[tuple[int, int, int]]] = {}
    for asset, day, up, slots in cells:
        by_asset.setdefault(asset, []).append((day, up, slots))
    hidden_month = [Fraction(up, slots) for _a, up, slots, _wu, _ws in hidden if slots]
    hidden_days = [Fraction(wu, ws) for _a, _up, _s, wu, ws in hidden if ws]
    return _layout(
        month,
        year,
        number,
        last_day,
        shown=[(asset_of[a], up, slots, by_asset.get(a, [])) for a, up, slots, _wu, _ws in shown],
        assets_total=len(register),
        hidden=len(hidden),
        hidden_min_month=_rounded_down(min(hidden_month) * 100, 3) if hidden_month else None,
        hidden_min_day=_rounded_down(min(hidden_days) * 100, 1) if hidden_days else None,
        has_data=bool(files),
    )


def _layout(
    month: str,
    year: int,
    number: int,
    last_day: int,
    *,
    shown: list[tuple[str, int, int, list[tuple[int, int, int]]]],
    assets_total: int,
    hidden: int,
    hidden_min_month: Decimal | None,
    hidden_min_day: Decimal | None,
    has_data: bool,
) -> HeatMap:
    label_width, cell_w, cell_h, top = 96, 22, 16, 34
    month_x = label_width + last_day * cell_w + 8
    width = int(month_x + 64)
    # Translators: the initials of the days of the week, Monday to Sunday (one letter each)
    initials = pgettext("initials of Monday to Sunday", "MTWTFSS")
    initials = initials if len(initials) == 7 else "MTWTFSS"
    days = tuple(
        DayLabel(d, label_width + (d.day - 1) * cell_w + cell_w / 2, initials[d.weekday()], d.weekday() >= 5)
        for d in (date(year, number, n) for n in range(1, last_day + 1))
    )
    rows = []
    for index, (asset, up, slots, cells) in enumerate(shown):
        y = top + index * cell_h
        row_cells = tuple(
            HeatCell(day, day_up, day_slots, p, _fill(p), label_width + (day - 1) * cell_w, y)
            for day, day_up, day_slots in cells
            for p in (_percent(day_up, day_slots),)
        )
        month_percent = _rounded_down(Fraction(100 * up, slots), 3) if slots else None
        rows.append(HeatRow(asset, month_percent, row_cells, y, y + cell_h - 4))
    legend_y = top + len(rows) * cell_h + 14
    items = [(fill, str(label)) for _lower, fill, label in reversed(BANDS)] + [(NO_FIGURE[0], str(NO_FIGURE[1]))]
    legend, x = [], float(label_width)
    for fill, label in items:
        room = 18 + len(label) * 6.5 + 16  # the swatch, the label at 11px, a gap
        if x + room > width and x > label_width:
            x, legend_y = float(label_width), legend_y + 20
        legend.append(LegendItem(fill, label, x, legend_y))
        x += room
    return HeatMap(
        month=month,
        title=_("Availability of the %(count)s least available assets by day, %(month)s")
        % {"count": len(rows), "month": month},
        days=days,
        rows=tuple(rows),
        assets_total=assets_total,
        hidden=hidden,
        hidden_min_month=hidden_min_month,
        hidden_min_day=hidden_min_day,
        has_data=has_data,
        width=width,
        height=int(legend_y + 24),
        label_width=label_width,
        cell_width=cell_w,
        cell_height=cell_h,
        grid_top=top,
        month_x=month_x,
        legend=tuple(legend),
    )


# --- deductions by month -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthColumn:
    statement: Statement
    month: str
    gross: Decimal
    cap: Decimal
    applied: Decimal
    capped: bool
    x: float
    y: float
    width: float
    height: float
    cap_y: float | None  # None: the cap is not drawn
    centre: float
    show_label: bool

    @property
    def cap_x1(self) -> float:
        return self.x - 4

    @property
    def cap_x2(self) -> float:
        return self.x + self.width + 4

    @property
    def value_y(self) -> float:
        """Above the column, or above the cap's line where that line would run through the figure."""
        if self.cap_y is not None and self.y - 16 < self.cap_y <= self.y + 2:
            return self.cap_y - 6
        return self.y - 6


@dataclass(frozen=True)
class DeductionChart:
    title: str
    currency: str
    width: int
    height: int
    left: float
    baseline: float
    columns: tuple[MonthColumn, ...]
    y_labels: tuple[tuple[float, float, str], ...]  # the grid line's y, the label's y, the label
    values: bool  # room for each column's figure above it
    caps_shown: bool  # the caps are on the scale and drawn
    cap_note: str  # why they are not


def _short(value: Decimal) -> str:
    """A tick's label: 0, 250, 2.5k, 20k, 1.2M (with the locale's decimal sign)."""
    point = str(formats.get_format("DECIMAL_SEPARATOR"))
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{(value / size).quantize(Decimal('0.1')).normalize():f}".replace(".", point) + suffix
    return f"{value.quantize(Decimal('0.1')).normalize():f}".replace(".", point)


def latest_statements(contract: Contract) -> list[Statement]:
    """The latest statement of each month (a correction replaces the one it corrects), oldest month first."""
    latest: dict[str, Statement] = {}
    for statement in Statement.objects.filter(contract=contract).select_related("regime").order_by("month", "number"):
        latest[statement.month] = statement
    return list(latest.values())


def _nice_step(top: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) with at most `ticks` steps up to `top`."""
    power = Decimal(10) ** (len(str(int(top / ticks))) - 1) if top / ticks >= 1 else Decimal(1)
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if top / (power * factor) <= ticks:
            return power * factor
    return power * 10


def deductions_chart(statements: Sequence[Statement], *, width: int = 760, height: int = 260) -> DeductionChart:
    """Columns of the deductions applied per month, with each month's cap as a dashed line when the cap is on the
    chart's scale (a cap far above every month's deductions would flatten the columns: it is left off, and said)."""
    currency = str(statements[0].figures.get("currency", "")) if statements else ""
    values = [Decimal(s.figures["deductions_applied"]) for s in statements]
    caps = [Decimal(s.figures["cap_amount"]) for s in statements]
    highest = max([*values, Decimal(1)])
    show_caps = bool(caps) and max(caps) <= highest * 2
    if show_caps:
        highest = max(highest, *caps)
    step = _nice_step(highest)
    top = step * ceil(highest / step)  # rounded up to a step
    left, plot_w, plot_h, upper = 64.0, width - 74.0, height - 58.0, 22.0
    slot = plot_w / max(len(statements), 1)

    def y(value: Decimal) -> float:
        return upper + float((top - value) / top) * plot_h

    every = max(len(statements) // 10, 1)
    columns = tuple(
        MonthColumn(
            statement=s,
            month=s.month,
            gross=Decimal(s.figures["gross_deductions"]),
            cap=cap,
            applied=value,
            capped=bool(s.figures.get("capped")),
            x=left + i * slot + slot * 0.2,
            y=y(value),
            width=slot * 0.6,
            height=max(y(Decimal(0)) - y(value), 0.0),
            cap_y=y(cap) if show_caps else None,
            centre=left + (i + 0.5) * slot,
            show_label=i % every == 0,
        )
        for i, (s, value, cap) in enumerate(zip(statements, values, caps, strict=True))
    )
    ticks = [step * n for n in range(int(top / step) + 1)]
    y_labels = tuple((y(v), y(v) + 4, _short(v)) for v in ticks)
    lowest_cap = min(caps) if caps else Decimal(0)
    return DeductionChart(
        title=_("Deductions applied by month, against the month's cap")
        if show_caps
        else _("Deductions applied by month"),
        currency=currency,
        width=width,
        height=height,
        left=left,
        baseline=y(Decimal(0)),
        columns=columns,
        y_labels=y_labels,
        values=slot >= 56,
        caps_shown=show_caps,
        cap_note=""
        if show_caps
        else _(
            "The cap (%(cap)s or more a month) is far above these deductions and is not drawn; the most deducted in "
            "a month was %(share)s%% of it."
        )
        % {
            "cap": formats.number_format(lowest_cap, 2, force_grouping=True),
            "share": floor(max(values) * 100 / lowest_cap) if lowest_cap else 0,
        },
    )


# --- milestones ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    delay: str  # how late it was (or is), or ""


def milestone_rows(contract: Contract, today: date) -> list[MilestoneRow]:
    rows = []
    for m in contract.milestones.all():
        if m.actual_date is not None:
            late = (m.actual_date - m.planned_date).days
            if late > 0:
                delay = (_("%(days)s day late") if late == 1 else _("%(days)s days late")) % {"days": late}
            else:
                delay = _("on time")
        elif m.planned_date < today:
            late = (today - m.planned_date).days
            delay = (_("overdue by %(days)s day") if late == 1 else _("overdue by %(days)s days")) % {"days": late}
        else:
            delay = ""
        rows.append(MilestoneRow(m, delay))
    return rows


# --- the dashboard -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    latest: Statement | None
    lights: tuple[Light, ...]
    month: str | None  # the heat map's month
    months: tuple[str, ...]  # months to choose from (stored telemetry or a statement), newest first
    heat: HeatMap | None
    statements: tuple[Statement, ...]  # the latest of each month
    chart: DeductionChart | None
    milestones: tuple[MilestoneRow, ...]
    regime: Regime | None


def dashboard(
    contract: Contract, *, month: str | None, with_heat: bool = True, today: date | None = None
) -> Dashboard:
    """Everything on the page. `month`: the heat map's month (YYYY-MM, checked: DashboardInputError), or None for
    the latest statement's month (or the latest month with telemetry); without `with_heat`, no heat map."""
    if month is not None:
        month = parse_month(month)
    statements = latest_statements(contract)
    latest = statements[-1] if statements else None
    stored = telemetry.stored_months(services.store_dir(), str(contract.pk))
    months = tuple(sorted({*stored, *(s.month for s in statements)}, reverse=True))
    if month is None:
        month = latest.month if latest is not None else (months[0] if months else None)
    regime = services.latest_regime(contract)
    heat = heat_map(contract, regime, month) if with_heat and regime is not None and month is not None else None
    return Dashboard(
        latest=latest,
        lights=tuple(kpi_lights(latest)) if latest is not None else (),
        month=month,
        months=months if month is None or month in months else tuple(sorted({*months, month}, reverse=True)),
        heat=heat,
        statements=tuple(statements),
        chart=deductions_chart(statements) if statements else None,
        milestones=tuple(milestone_rows(contract, today or timezone.localdate())),
        regime=regime,
    )
