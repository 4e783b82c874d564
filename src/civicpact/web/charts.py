"""Server-rendered SVG charts: geometry here, drawing in templates/includes/chart_*.html.

Every chart is shown with its data table beside it, so it works without JavaScript, under the CSP,
with a screen reader, and in a PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    x: float
    y: float
    width: float
    height: float
    text_y: float


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    label_width: int


def horizontal_bars(
    title: str, items: Sequence[tuple[str, Decimal]], *, width: int = 640, row: int = 28, label_width: int = 220
) -> BarChart:
    top = max((v for _, v in items), default=Decimal("0"))
    usable = width - label_width - 90
    bars = []
    for index, (label, value) in enumerate(items):
        length = float(value / top) * usable if top > 0 else 0.0
        y = index * row + 4
        bars.append(Bar(label, value, float(label_width), y, max(length, 1.0), row - 8, y + (row - 8) / 2 + 5))
    return BarChart(title, width, len(items) * row + 8, tuple(bars), label_width)


@dataclass(frozen=True)
class Span:
    label: str
    start: int
    end: int
    marker: int | None
    x: float
    y: float
    width: float
    height: float
    marker_x: float | None
    text_y: float
    note: str


@dataclass(frozen=True)
class Tick:
    year: int
    x: float


@dataclass(frozen=True)
class Timeline:
    title: str
    width: int
    height: int
    spans: tuple[Span, ...]
    ticks: tuple[Tick, ...]
    label_width: int
    axis_y: float


def timeline(
    title: str,
    items: Sequence[tuple[str, int, int, int | None, str]],
    *,
    width: int = 760,
    row: int = 30,
    label_width: int = 240,
) -> Timeline:
    """Items are (label, first year, last year, marker year or None, note); one row each."""
    if not items:
        return Timeline(title, width, 40, (), (), label_width, 20.0)
    first = min(min(i[1], i[3] or i[1]) for i in items)
    last = max(i[2] for i in items)
    years = last - first + 1
    step = (width - label_width - 20) / years
    spans = []
    for index, (label, start, end, marker, note) in enumerate(items):
        y = index * row + 24
        spans.append(
            Span(
                label,
                start,
                end,
                marker,
                label_width + (start - first) * step,
                y,
                (end - start + 1) * step,
                row - 10,
                label_width + (marker - first + 0.5) * step if marker is not None else None,
                y + (row - 10) / 2 + 5,
                note,
            )
        )
    ticks = tuple(Tick(y, label_width + (y - first + 0.5) * step) for y in range(first, last + 1))
    return Timeline(title, width, len(items) * row + 30, tuple(spans), ticks, label_width, 14.0)
