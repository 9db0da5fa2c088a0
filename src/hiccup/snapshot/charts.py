"""Charts as inline SVG, rendered on the server: no script runs, so both the admin's and the
public page's Content-Security-Policy stay as strict as they are.

Colours come from CSS classes (`chart`, `p50`, `p95`, `p99`, `spark`, `phase-*`), so the
stylesheets decide them, dark mode included. Only numbers and escaped labels are written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from html import escape
from itertools import pairwise
from statistics import median

from markupsafe import Markup

from hiccup.core.public import LatencyPoint

PHASES = ("dns", "connect", "tls", "first_byte")
_LEFT, _RIGHT, _TOP, _BOTTOM = 70.0, 8.0, 22.0, 24.0


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (axis tops read easily)."""
    if value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0):
        if scale * step >= value * (1 - 1e-9):
            return scale * step
    return scale * 10


def ms_text(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def _runs(
    coords: Sequence[tuple[float, float | None]], max_gap: float
) -> list[list[tuple[float, float]]]:
    """Unbroken runs of points: a None, or a gap wider than `max_gap`, starts a new run."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    last_x: float | None = None
    for x, y in coords:
        if y is None or (last_x is not None and x - last_x > max_gap):
            if current:
                runs.append(current)
            current = []
        if y is not None:
            current.append((x, y))
            last_x = x
        else:
            last_x = None
    if current:
        runs.append(current)
    return runs


def _path(runs: list[list[tuple[float, float]]]) -> str:
    parts: list[str] = []
    for run in runs:
        if len(run) == 1:  # a lone point still shows, as a dot-long stroke
            x, y = run[0]
            parts.append(f"M{_num(x)} {_num(y)}h0.1")
            continue
        parts.append("M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in run))
    return "".join(parts)


def sparkline(
    values: Sequence[float | None], label: str, width: int = 96, height: int = 20
) -> Markup:
    """A line of recent values (oldest first), scaled to its own range; None leaves a gap."""
    known = [v for v in values if v is not None]
    head = (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    )
    if not known or len(values) < 2:
        return Markup(head + "</svg>")
    top = max(known) or 1.0
    step = width / (len(values) - 1)
    coords = [
        (i * step, None if v is None else height - 1 - (height - 2) * v / top)
        for i, v in enumerate(values)
    ]
    return Markup(head + f'<path d="{_path(_runs(coords, step * 1.5))}"/></svg>')


def _x_label(moment: datetime, span: timedelta) -> str:
    return moment.strftime("%H:%M" if span <= timedelta(days=2) else "%b %d")


def _axes(lo: datetime, hi: datetime, top: float, width: float, height: float) -> list[str]:
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    parts: list[str] = []
    for i in range(5):
        value = top * i / 4
        y = _TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_num(width - _RIGHT)}" y1="{_num(y)}" '
            f'y2="{_num(y)}"/><text class="axis" x="{_LEFT - 4}" y="{_num(y + 4)}" '
            f'text-anchor="end">{ms_text(value)}</text>'
        )
    span = hi - lo
    for i in range(5):
        x = _LEFT + plot_w * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(
            f'<text class="axis" x="{_num(x)}" y="{_num(height - 6)}" text-anchor="{anchor}">'
            f"{_x_label(lo + span * i / 4, span)}</text>"
        )
    return parts


def latency_chart(
    points: Sequence[LatencyPoint],
    lo: datetime,
    hi: datetime,
    label: str,
    *,
    raw: bool = False,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Response time over [lo, hi): p50, p95 and p99 lines (raw: one line of each result).

    Points further apart than three times their usual spacing are not joined: the gap is
    a time with no measurements, and a line across it would invent some.
    """
    series = ("p50",) if raw else ("p50", "p95", "p99")
    values = [v for p in points for v in (getattr(p, s) for s in series) if v is not None]
    top = nice_ceiling(max(values)) if values else 1.0
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    seconds = max((hi - lo).total_seconds(), 1.0)
    xs = [_LEFT + plot_w * (p.at - lo).total_seconds() / seconds for p in points]
    gaps = [b - a for a, b in pairwise(xs) if b > a]
    max_gap = 3 * median(gaps) if gaps else plot_w
    parts = [
        f'<svg class="chart latency" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
        *_axes(lo, hi, top, width, height),
    ]
    for name in reversed(series):  # p50 drawn last, on top
        coords = [
            (x, None if (v := getattr(p, name)) is None else _TOP + plot_h - plot_h * v / top)
            for x, p in zip(xs, points, strict=True)
        ]
        parts.append(f'<path class="{name}" d="{_path(_runs(coords, max_gap))}"/>')
    legend = "latency" if raw else "p50 · p95 · p99"
    parts.append(f'<text class="legend" x="{_num(width - _RIGHT)}" y="14" text-anchor="end">')
    if raw:
        parts.append(f'<tspan class="p50">{legend}</tspan>')
    else:
        parts.append(
            '<tspan class="p50">p50</tspan> <tspan class="p95">p95</tspan> '
            '<tspan class="p99">p99</tspan>'
        )
    parts.append("</text>")
    if not values:
        parts.append(
            f'<text class="empty" x="{_num(width / 2)}" y="{_num(height / 2)}" '
            'text-anchor="middle">No measurements in this range</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def phase_bar(
    phases: Mapping[str, float], scale_ms: float, width: int = 200, height: int = 12
) -> Markup:
    """One result's time as stacked segments: DNS, connect, TLS, first byte, then the rest
    (reading the body, redirects) up to the total. `scale_ms` is the width's worth."""
    total = phases.get("total") or sum(phases.get(p, 0.0) for p in PHASES)
    scale = scale_ms if scale_ms > 0 else 1.0
    words = ", ".join(f"{p} {ms_text(phases[p])}" for p in PHASES if p in phases)
    label = f"total {ms_text(total)}" + (f": {words}" if words else "")
    parts = [
        f'<svg class="phases" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    x, named = 0.0, 0.0
    for name in PHASES:
        ms = max(phases.get(name, 0.0), 0.0)
        named += ms
        x = _segment(parts, name, x, ms, scale, width, height)
    _segment(parts, "rest", x, max(total - named, 0.0), scale, width, height)
    parts.append("</svg>")
    return Markup("".join(parts))


def _segment(
    parts: list[str], name: str, x: float, ms: float, scale: float, width: int, height: int
) -> float:
    w = min(width * ms / scale, width - x)
    if w > 0:
        parts.append(
            f'<rect class="phase-{name}" x="{_num(x)}" y="0" width="{_num(max(w, 0.5))}" '
            f'height="{height}"><title>{name} {ms_text(ms)}</title></rect>'
        )
    return x + max(w, 0.0)
