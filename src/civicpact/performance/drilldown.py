"""Reads for the drill-down (no writes): one asset's month — its outage events with their local times, slots by
kind, rectification and ratchet tier, the resulting counts and money line, and a day x interval strip — and the
statement's asset lines as a sortable, filterable table.

The events come from the SLA engine's own SQL (`engine.EVENTS_SQL`, run by `engine.asset_month_duckdb` on the
asset's rows only), so they are the events the statement counted; the money line comes from the money rules
(`domain/performance/money.statement`) with the statement's regime version and index. When the telemetry stored
now is not what the statement was computed from (late data after it was issued), the line recomputed here differs
from the statement's and the page says so: `matches` is False.
"""

from __future__ import annotations

import time as clock
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from civicpact.contracts.models import Contract
from civicpact.domain.performance import calendar, money
from civicpact.domain.performance.counts import AssetCounts, OutageEvent
from civicpact.domain.performance.regime import Regime as RegimeDoc
from civicpact.performance import engine, services
from civicpact.performance import ingest as telemetry
from civicpact.performance.models import Asset, Regime, Statement

STATE_NAMES = {0: "up", 1: "down", 2: "degraded", 3: "missing"}
MISSING = 3
# the strip's colours (SVG presentation attributes, so they hold under CSP and in a PDF); figures in the table
STRIP_FILLS = {0: "#dbe7f3", 1: "#a4161a", 2: "#f08c00", MISSING: "#5c6670"}
STRIP_LABELS = {0: _("up"), 1: _("down"), 2: _("unavailable but used"), MISSING: _("missing data")}
CELL_W, ROW_H, LABEL_W, TOP = 6, 14, 34, 30
ASSET_PAGE = 50
SORTS = {
    "deduction": _("deduction, highest first"),
    "availability": _("availability, lowest first"),
    "events": _("outage events, most first"),
    "asset": _("asset id"),
}


class DrilldownError(ValueError):
    """A request the drill-down cannot answer (an unknown asset); shown as a 404."""


@dataclass(frozen=True)
class EventRow:
    """An outage event as the page shows it: local start and end, its slots, rectification and tier."""

    number: int  # 1, 2, ... in slot order
    event: OutageEvent
    start: datetime  # local time (the regime's zone) of the first interval's start
    end: datetime  # local time of the last interval's end
    day: int  # the local day of its start
    multiplier: Decimal | None  # the tier's multiplier (None: rectified)

    @property
    def tier_label(self) -> str:
        if self.event.tier is None:
            return "—"
        tier = pgettext("a ratchet tier, before its number", "tier")
        return f"{tier} {self.event.tier + 1} (\u00d7{formats.localize(self.multiplier)})"


@dataclass(frozen=True)
class StripRun:
    x: float
    y: float
    width: float
    fill: str


@dataclass(frozen=True)
class DayRow:
    day: int
    date: datetime
    y: float
    text_y: float
    service: int
    up: int
    down: int
    degraded: int
    missing: int
    events: tuple[int, ...]  # numbers of the events starting that day


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    runs: tuple[StripRun, ...]
    days: tuple[DayRow, ...]
    ticks: tuple[tuple[float, str], ...]  # x, label (hours since local midnight)
    legend: tuple[tuple[float, str, str], ...]  # x, fill, label
    legend_y: float
    cell_width: int
    row_height: int
    label_width: int


@dataclass(frozen=True)
class AssetMonth:
    contract: Contract
    asset: Asset
    month: str
    regime: Regime
    doc: RegimeDoc
    statement: Statement | None
    counts: AssetCounts
    events: tuple[EventRow, ...]
    line: dict[str, Any] | None  # the money line recomputed from these counts (None: not computable)
    statement_line: dict[str, Any] | None  # the statement's own line for the asset
    strip: Strip
    milliseconds: float  # the DuckDB part

    @property
    def matches(self) -> bool:
        """The line recomputed from the stored telemetry is the statement's line, figure for figure."""
        return self.statement_line is not None and self.line == self.statement_line

    @property
    def rectified(self) -> int:
        return sum(1 for e in self.events if e.event.rectified)

    @property
    def deductible(self) -> int:
        return len(self.events) - self.rectified

    @property
    def event_slots(self) -> dict[str, int]:
        """The events' intervals in all, by kind."""
        return {
            "total": sum(e.event.slot_count for e in self.events),
            "down": sum(e.event.down for e in self.events),
            "degraded": sum(e.event.degraded for e in self.events),
            "missing": sum(e.event.missing for e in self.events),
        }

    @property
    def tiers(self) -> list[dict[str, Any]]:
        """Per tier: its multiplier and the deductible slots of its events, by kind (as on the statement)."""
        multipliers = self.doc.availability.multipliers
        return [
            {
                "tier": t,
                "multiplier": multipliers[t],
                "events": sum(1 for e in self.events if e.event.tier == t),
                "down": sum(e.event.down for e in self.events if e.event.tier == t),
                "degraded": sum(e.event.degraded for e in self.events if e.event.tier == t),
                "missing": sum(e.event.missing for e in self.events if e.event.tier == t),
            }
            for t in range(len(multipliers))
        ]


def _calendar(doc: RegimeDoc, asset_class: str, month: str) -> calendar.MonthCalendar:
    year, number = (int(part) for part in month.split("-"))
    windows = services._windows(doc.asset_class(asset_class))
    return calendar.MonthCalendar.build(
        year, number, tz=doc.measurement.timezone, interval_minutes=doc.measurement.interval_minutes, windows=windows
    )


def _line(doc: RegimeDoc, counts: AssetCounts, contract: Contract, index_value: str | None) -> dict[str, Any] | None:
    """The asset's money line from its counts, with the whole register's sizes (the share depends on n_c)."""
    classes = dict(Asset.objects.filter(contract=contract).values_list("asset_id", "asset_class"))
    try:
        figures = money.statement(doc, [counts], classes, index_value=index_value)
    except money.StatementInputError:  # e.g. an indexed regime without a statement (no index value yet)
        return None
    line: dict[str, Any] = figures.as_dict()["assets"][0]
    return line


def asset_month(
    *, contract: Contract, asset_id: str, month: str, regime: Regime, statement: Statement | None = None
) -> AssetMonth:
    """The asset's month under `regime` (the statement's version when there is one). Raises DrilldownError for an
    asset that is not in the contract's register."""
    asset = Asset.objects.filter(contract=contract, asset_id=asset_id).first()
    if asset is None:
        raise DrilldownError(f"{asset_id!r} is not in the contract's register.")
    doc = services.regime_doc(regime)
    month_calendar = _calendar(doc, asset.asset_class, month)
    directory = telemetry.interval_dir(services.store_dir(), str(contract.pk), month)
    started = clock.perf_counter()
    with telemetry.store_lock(services.store_dir(), str(contract.pk), shared=True):
        rows = engine.asset_month_duckdb(
            str(directory / "*.parquet"),
            asset=asset.asset_id,
            number=asset.number,
            service_slots=month_calendar.slots,
            rectification_slots=doc.rectification_slots,
            tiers=doc.availability.tiers,
            missing_data=doc.measurement.missing_data,
        )
    milliseconds = (clock.perf_counter() - started) * 1000
    zone = ZoneInfo(doc.measurement.timezone)
    interval = timedelta(minutes=doc.measurement.interval_minutes)
    multipliers = doc.availability.multipliers
    events = tuple(
        EventRow(
            number=index,
            event=event,
            start=month_calendar.slot_start(event.first_slot).astimezone(zone),
            end=(month_calendar.slot_start(event.last_slot) + interval).astimezone(zone),
            day=month_calendar.slot_start(event.first_slot).astimezone(zone).day,
            multiplier=None if event.tier is None else multipliers[event.tier],
        )
        for index, event in enumerate(rows.events, start=1)
    )
    statement_line = None
    index_value = None
    if statement is not None:
        index_value = statement.figures.get("index_value")
        statement_line = next((a for a in statement.figures.get("assets", []) if a["asset"] == asset_id), None)
    return AssetMonth(
        contract=contract,
        asset=asset,
        month=month,
        regime=regime,
        doc=doc,
        statement=statement,
        counts=rows.counts,
        events=events,
        line=_line(doc, rows.counts, contract, index_value),
        statement_line=statement_line,
        strip=strip(month_calendar, dict(rows.states), events, excluded=doc.measurement.missing_data == "excluded"),
        milliseconds=milliseconds,
    )


def _midnight(day: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight of the day as UTC (a skipped midnight: the earlier offset, as the service calendar)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def strip(
    month_calendar: calendar.MonthCalendar,
    states: Mapping[int, int],
    events: tuple[EventRow, ...],
    *,
    excluded: bool = False,
) -> Strip:
    """A row per local day, a column per interval since local midnight (a daylight-saving day has 92 or 100),
    each service interval coloured by its state; runs of one state are one rectangle."""
    zone = ZoneInfo(month_calendar.tz)
    interval = month_calendar.interval_minutes * 60
    year, number = month_calendar.year, month_calendar.month
    first = datetime(year, number, 1, tzinfo=zone)
    days_in_month = calendar.month_bounds(year, number, month_calendar.tz)
    day_count = round((days_in_month[1] - days_in_month[0]).total_seconds() / 86400)
    per_day: dict[int, list[tuple[int, int]]] = {d: [] for d in range(1, day_count + 1)}
    midnights = {d: _midnight(first.replace(day=d), zone) for d in per_day}
    for slot, start in enumerate(month_calendar.starts):
        day = start.astimezone(zone).day
        column = int((start - midnights[day]).total_seconds()) // interval
        per_day[day].append((column, states.get(slot, MISSING)))
    columns = max((86400 // interval), *(c + 1 for cells in per_day.values() for c, _s in cells))
    runs: list[StripRun] = []
    rows: list[DayRow] = []
    for index, (day, cells) in enumerate(sorted(per_day.items())):
        y = TOP + index * ROW_H
        run_start, run_state, previous = -1, -1, -2
        for column, state in [*cells, (-1, -1)]:
            if state != run_state or column != previous + 1:
                if run_state >= 0:
                    width = (previous + 1 - run_start) * CELL_W
                    runs.append(StripRun(LABEL_W + run_start * CELL_W, y, width, STRIP_FILLS[run_state]))
                run_start, run_state = column, state
            previous = column
        tally = {s: sum(1 for _c, state in cells if state == s) for s in STRIP_FILLS}
        rows.append(
            DayRow(
                day=day,
                date=first.replace(day=day),
                y=y,
                text_y=y + ROW_H - 3,
                service=len(cells) - (tally[MISSING] if excluded else 0),
                up=tally[0],
                down=tally[1],
                degraded=tally[2],
                missing=tally[MISSING],
                events=tuple(e.number for e in events if e.day == day),
            )
        )
    per_hour = 3600 // interval
    ticks = tuple((LABEL_W + h * per_hour * CELL_W, f"{h:02d}") for h in range(0, 25, 3) if h * per_hour <= columns)
    legend_y = TOP + len(rows) * ROW_H + 10
    legend, x = [], float(LABEL_W)
    for state, fill in STRIP_FILLS.items():
        label = str(STRIP_LABELS[state])
        legend.append((x, fill, label))
        x += 30 + len(label) * 7.6  # the labels are 13px (the page's chart font)
    outside = str(_("outside service hours"))
    legend.append((x, "#ffffff", outside))
    return Strip(
        width=int(max(LABEL_W + columns * CELL_W + 10, x + 30 + len(outside) * 7.6)),
        height=int(legend_y + 22),
        runs=tuple(runs),
        days=tuple(rows),
        ticks=ticks,
        legend=tuple(legend),
        legend_y=legend_y,
        cell_width=CELL_W,
        row_height=ROW_H,
        label_width=LABEL_W,
    )


# --- the statement's asset lines --------------------------------------------------------------------------------


def _availability_key(line: Mapping[str, Any]) -> tuple[Decimal, str]:
    value = line.get("availability_percent")
    return (Decimal(value) if value is not None else Decimal(-1), line["asset"])


def asset_lines(
    statement: Statement, *, sort: str = "deduction", query: str = "", page: int | str = 1
) -> dict[str, Any]:
    """The statement's asset lines, filtered by asset id or class (`query`, case-insensitive) and sorted, a page
    at a time: the table the contract-level figures link to."""
    lines: list[dict[str, Any]] = list(statement.figures.get("assets", []))
    sort = sort if sort in SORTS else "deduction"
    query = query.strip()
    if query:
        lowered = query.lower()
        lines = [a for a in lines if lowered in a["asset"].lower() or lowered in a["class"].lower()]
    if sort == "deduction":
        lines.sort(key=lambda a: (-Decimal(a["deduction"]), a["asset"]))
    elif sort == "availability":
        lines.sort(key=_availability_key)
    elif sort == "events":
        lines.sort(key=lambda a: (-int(a["events"]), a["asset"]))
    else:
        lines.sort(key=lambda a: a["asset"])
    paged: Page[dict[str, Any]] = Paginator(lines, ASSET_PAGE).get_page(page)
    return {"lines": paged, "sort": sort, "sort_label": SORTS[sort], "query": query, "sorts": SORTS}
