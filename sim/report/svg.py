"""Charts as inline SVG, drawn in Python when the page is built (no charting library).

Two kinds serve every chart of the HTML report: :func:`line_chart` (estimates against a
numeric x, as steps for P(summit by date) or as lines for a sweep, each with its 95% band)
and :func:`interval_bars` (shares or differences with their intervals). Every mark carries
its value in words twice: in an SVG ``<title>`` (the browser's own tooltip, scripts or
not) and in ``data-tip`` for the page's small hover script. Series carry
``data-series`` so the page can hide and show a scenario everywhere at once.
Coordinates are written with one decimal, so the same data give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Sequence

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 16, 44
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
           "#ccb974", "#64b5cd")


@dataclass(frozen=True)
class Point:
    """One estimate at ``x``: its value and 95% interval (fractions), and its tooltip text."""

    x: float
    value: float
    low: float
    high: float
    tip: str


@dataclass(frozen=True)
class Series:
    """A named line of points; ``key`` is what the page's toggles use."""

    key: str
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value with its interval, and its tooltip text."""

    label: str
    value: float
    low: float
    high: float
    tip: str


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _f(number: float) -> str:
    return f"{number:.1f}"


def _nice_top(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if step * power >= value - 1e-12)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = _nice_top((high - low) / count)
    first = math.ceil(low / step - 1e-9)
    return [k * step for k in range(first, int(math.floor(high / step + 1e-9)) + 1)]


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _svg(label: str, body: list[str], height: int = HEIGHT) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
            + "".join(body) + "</svg>")


def line_chart(series: Sequence[Series], *, label: str, x_ticks: Sequence[tuple[float, str]], x_title: str,
               y_title: str, step: bool, scale: float = 100.0) -> str:
    """Each series as a line (``step``: a staircase, as cumulative counts rise) over its band.

    Values are fractions shown times ``scale`` (percent by default) on a y axis from 0.
    """
    xs = [p.x for s in series for p in s.points] + [x for x, _ in x_ticks]
    x0, x1 = min(xs), max(xs)
    top = _nice_top(max([p.high * scale for s in series for p in s.points] + [0.0]) * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x0) / ((x1 - x0) or 1.0) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - y * scale / top * plot_h

    body = [f'<g class="axis"><line x1="{LEFT}" y1="{_f(TOP + plot_h)}" x2="{WIDTH - RIGHT}" y2="{_f(TOP + plot_h)}"/>']
    for tick in _ticks(0.0, top):
        y = TOP + plot_h - tick / top * plot_h
        body.append(f'<line class="grid" x1="{LEFT}" y1="{_f(y)}" x2="{WIDTH - RIGHT}" y2="{_f(y)}"/>'
                    f'<text x="{LEFT - 6}" y="{_f(y + 4)}" text-anchor="end">{tick:g}</text>')
    for x, text in x_ticks:
        body.append(f'<text x="{_f(px(x))}" y="{_f(TOP + plot_h + 16)}" text-anchor="middle">{escape(text)}</text>')
    body.append(f'<text x="{_f(LEFT + plot_w / 2)}" y="{HEIGHT - 6}" text-anchor="middle">{escape(x_title)}</text>'
                f'<text transform="translate(14 {_f(TOP + plot_h / 2)}) rotate(-90)" text-anchor="middle">'
                f'{escape(y_title)}</text></g>')
    dots = "mark" if step else "mark dot"  # a sweep's few points are shown; a curve's many are not
    for k, s in enumerate(series):
        points = sorted(s.points, key=lambda p: p.x)
        upper, lower, line = [], [], []
        for i, p in enumerate(points):
            if step and i:
                upper.append((px(p.x), py(points[i - 1].high)))
                lower.append((px(p.x), py(points[i - 1].low)))
                line.append((px(p.x), py(points[i - 1].value)))
            upper.append((px(p.x), py(p.high)))
            lower.append((px(p.x), py(p.low)))
            line.append((px(p.x), py(p.value)))
        band = " ".join(f"{_f(x)},{_f(y)}" for x, y in upper + lower[::-1])
        path = "M" + " L".join(f"{_f(x)},{_f(y)}" for x, y in line)
        marks = "".join(
            f'<circle class="{dots}" cx="{_f(px(p.x))}" cy="{_f(py(p.value))}" r="3" data-tip="{escape(s.name)}: '
            f'{escape(p.tip)}">{_title(f"{s.name}: {p.tip}")}</circle>' for p in points)
        body.append(f'<g class="series" data-series="{escape(s.key)}" style="color:{colour(k)}">'
                    f'<polygon class="band" points="{band}"/><path class="line" d="{path}"/>{marks}</g>')
    return _svg(label, body)


def interval_bars(bars: Sequence[Bar], *, label: str, unit: str, scale: float = 100.0,
                  keys: Sequence[str] | None = None) -> str:
    """Horizontal bars from 0 with whiskers for their intervals; negative values go left.

    ``keys`` (one per bar) lets the page's scenario toggles hide a bar.
    """
    row, label_w = 24, 150
    height = TOP + BOTTOM + row * max(len(bars), 1)
    low = min([b.low * scale for b in bars] + [0.0])
    high = max([b.high * scale for b in bars] + [0.0])
    low, high = (-_nice_top(-low * 1.05) if low < 0 else 0.0), (_nice_top(high * 1.05) if high > 0 else 0.0)
    if low == high:
        high = 1.0
    plot_w = WIDTH - LEFT - RIGHT - label_w
    x_left = LEFT + label_w

    def px(v: float) -> float:
        return x_left + (v * scale - low) / (high - low) * plot_w

    bottom = height - BOTTOM
    body = ['<g class="axis">']
    for tick in _ticks(low, high):
        x = x_left + (tick - low) / (high - low) * plot_w
        body.append(f'<line class="grid" x1="{_f(x)}" y1="{TOP}" x2="{_f(x)}" y2="{bottom}"/>'
                    f'<text x="{_f(x)}" y="{bottom + 16}" text-anchor="middle">{tick:g}</text>')
    body.append(f'<text x="{_f(x_left + plot_w / 2)}" y="{height - 6}" text-anchor="middle">{escape(unit)}</text></g>')
    zero = px(0.0)
    for k, b in enumerate(bars):
        y = TOP + k * row
        start, end = sorted((zero, px(b.value)))
        key = f' data-series="{escape(keys[k])}"' if keys else ""
        body.append(
            f'<g class="bar"{key}><text x="{x_left - 6}" y="{_f(y + row / 2 + 4)}" text-anchor="end">'
            f'{escape(b.label)}</text><rect class="mark" x="{_f(start)}" y="{_f(y + 4)}" width="{_f(max(end - start, 0.5))}" '
            f'height="{row - 8}" data-tip="{escape(b.tip)}">{_title(b.tip)}</rect>'
            f'<line class="whisker" x1="{_f(px(b.low))}" y1="{_f(y + row / 2)}" x2="{_f(px(b.high))}" '
            f'y2="{_f(y + row / 2)}"/></g>')
    body.append(f'<line class="zero" x1="{_f(zero)}" y1="{TOP}" x2="{_f(zero)}" y2="{bottom}"/>')
    return _svg(label, body, height)
