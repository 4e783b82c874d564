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


# The same colours as app.css, also written as SVG presentation attributes so that charts keep them where the
# page's stylesheet does not reach the SVG (WeasyPrint's PDFs); in the browser the CSS classes win.
SERIES_COLOURS = ("#0b5394", "#8a5300", "#1a1a1a")
INK = "#1b1f24"


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    series: int

    @property
    def colour(self) -> str:
        return SERIES_COLOURS[self.series % len(SERIES_COLOURS)]


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


@dataclass(frozen=True)
class Line:
    name: str
    points: str  # "x,y x,y ..." for an SVG polyline
    series: int

    @property
    def colour(self) -> str:
        return SERIES_COLOURS[self.series % len(SERIES_COLOURS)]


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    lines: tuple[Line, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_labels: tuple[tuple[float, str], ...]
    baseline: float
    left: float


def _money_label(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.0f}"


def s_curve(
    title: str,
    edges: Sequence[float],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 720,
    height: int = 260,
) -> LineChart:
    """Cumulative share of iterations at or below each value (an S-curve) for each series of bin counts."""
    left, plot_w, plot_h = 46.0, width - 66.0, height - 50.0
    low, high = float(edges[0]), float(edges[-1])
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return left + (value - low) / span * plot_w

    lines = []
    for index, (name, counts) in enumerate(series):
        total = float(sum(counts)) or 1.0
        cumulative, points = 0.0, [f"{x(low):.1f},{plot_h + 14:.1f}"]
        for edge, count in zip(edges[1:], counts, strict=True):
            cumulative += float(count)
            points.append(f"{x(float(edge)):.1f},{plot_h + 14 - plot_h * cumulative / total:.1f}")
        lines.append(Line(name, " ".join(points), index))
    x_labels = tuple((x(low + span * i / 5), _money_label(low + span * i / 5)) for i in range(6))
    y_labels = tuple((plot_h + 14 - plot_h * share, f"{share:.0%}") for share in (0.0, 0.5, 0.9, 1.0))
    return LineChart(title, width, height, tuple(lines), x_labels, y_labels, plot_h + 14, left)


@dataclass(frozen=True)
class YearColumns:
    title: str
    width: int
    height: int
    columns: tuple[Column, ...]
    line: Line | None
    x_labels: tuple[tuple[float, str], ...]
    y_labels: tuple[tuple[float, str], ...]
    zero: float
    left: float
    series: tuple[str, ...]
    line_name: str


def year_columns(
    title: str,
    years: Sequence[int],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    line: tuple[str, Sequence[float]] | None = None,
    width: int = 760,
    height: int = 280,
) -> YearColumns:
    """Grouped columns per year (negative values hang below the zero line), with an optional line on top
    (e.g. the budget envelope against the payments)."""
    values = [float(v) for _, vs in series for v in vs] + ([float(v) for v in line[1]] if line else [])
    top, bottom = max([0.0, *values]), min([0.0, *values])
    span = (top - bottom) or 1.0
    left, plot_w, plot_h = 56.0, width - 66.0, height - 50.0

    def y(value: float) -> float:
        return 14 + (top - value) / span * plot_h

    slot = plot_w / max(len(years), 1)
    bar = slot * 0.8 / max(len(series), 1)
    columns = []
    for s_index, (_, vs) in enumerate(series):
        for i, value in enumerate(vs):
            y0, y1 = sorted((y(0.0), y(float(value))))
            columns.append(Column(left + i * slot + slot * 0.1 + s_index * bar, y0, max(bar - 1, 1), y1 - y0, s_index))
    drawn = None
    if line is not None:
        points = " ".join(f"{left + (i + 0.5) * slot:.1f},{y(float(v)):.1f}" for i, v in enumerate(line[1]))
        drawn = Line(line[0], points, len(series))
    step = max(len(years) // 10, 1)
    x_labels = tuple((left + (i + 0.5) * slot, str(year)) for i, year in enumerate(years) if i % step == 0)
    y_labels = tuple((y(v), _money_label(v)) for v in sorted({top, bottom, 0.0, (top + bottom) / 2}))
    return YearColumns(
        title,
        width,
        height,
        tuple(columns),
        drawn,
        x_labels,
        y_labels,
        y(0.0),
        left,
        tuple(n for n, _ in series),
        line[0] if line else "",
    )
