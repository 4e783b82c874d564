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


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    series: int


@dataclass(frozen=True)
class Histogram:
    title: str
    width: int
    height: int
    columns: tuple[Column, ...]
    labels: tuple[tuple[float, str], ...]
    series: tuple[str, ...]
    baseline: float


def histogram(
    title: str,
    edges: Sequence[float],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 720,
    height: int = 260,
) -> Histogram:
    """Side-by-side columns per bin for each series; x labels at a few edges."""
    bins = len(edges) - 1
    top = max((max(counts) for _, counts in series), default=1.0) or 1.0
    plot_h = height - 40
    slot = (width - 20) / max(bins, 1)
    bar = slot / max(len(series), 1)
    columns = []
    for s_index, (_, counts) in enumerate(series):
        for b, count in enumerate(counts):
            h = plot_h * float(count) / top
            columns.append(Column(10 + b * slot + s_index * bar, plot_h - h + 5, max(bar - 1, 1), h, s_index))
    step = max(bins // 5, 1)
    labels = tuple(
        (10 + b * slot, f"{edges[b] / 1e6:.1f}M") for b in range(0, bins + 1, step) if 10 + b * slot < width - 40
    )
    return Histogram(title, width, height, tuple(columns), labels, tuple(n for n, _ in series), plot_h + 5)


@dataclass(frozen=True)
class TornadoBar:
    label: str
    low: float
    high: float
    x: float
    width: float
    y: float
    text_y: float


@dataclass(frozen=True)
class Tornado:
    title: str
    width: int
    height: int
    bars: tuple[TornadoBar, ...]
    centre: float
    label_width: int


def tornado_chart(
    title: str,
    base: float,
    swings: Sequence[tuple[str, float, float]],
    *,
    width: int = 760,
    row: int = 26,
    label_width: int = 330,
) -> Tornado:
    span = max((max(abs(lo - base), abs(hi - base)) for _, lo, hi in swings), default=1.0) or 1.0
    half = (width - label_width - 20) / 2
    centre = label_width + half
    bars = []
    for i, (label, lo, hi) in enumerate(swings):
        left = centre + (min(lo, hi) - base) / span * half
        right = centre + (max(lo, hi) - base) / span * half
        y = i * row + 4
        bars.append(TornadoBar(label, lo, hi, left, max(right - left, 1.0), y, y + (row - 8) / 2 + 5))
    return Tornado(title, width, len(swings) * row + 8, tuple(bars), centre, label_width)
