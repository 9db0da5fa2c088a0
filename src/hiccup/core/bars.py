"""The page's daily uptime bars, from downtime intervals, in one sweep per component.

Times are float seconds since the epoch here: a 200-component page asks for 18,000 day figures
each time its snapshot is rebuilt, and datetime arithmetic would cost several times as much.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from hiccup.core.public import DayUptime

Span = tuple[float, float]


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same time (empty spans dropped)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def per_window(merged: Sequence[Span], windows: Sequence[Span]) -> list[float]:
    """Seconds of each window (sorted, not overlapping) covered by the merged spans."""
    out: list[float] = []
    k, count = 0, len(merged)
    for lo, hi in windows:
        while k < count and merged[k][1] <= lo:
            k += 1
        total, j = 0.0, k
        while j < count and merged[j][0] < hi:
            total += min(merged[j][1], hi) - max(merged[j][0], lo)
            j += 1
        out.append(total if total > 0 else 0.0)
    return out


def day_bars(
    days: Sequence[date],
    windows: Sequence[Span],
    down: Iterable[Span],
    degraded: Iterable[Span],
    names: Sequence[tuple[str, ...]],
    clean: Sequence[DayUptime],
) -> tuple[DayUptime, ...]:
    """One component's bars. `windows` is each day's monitored part (start >= end: none).

    `clean[i]` is `quiet(days)[i]`: a day without downtime or incidents has the same figures
    on every component, so one shared object serves them all.
    """
    down_s = per_window(merge(down), windows)
    degraded_s = per_window(merge(degraded), windows)
    bars: list[DayUptime] = []
    for i, (start, end) in enumerate(windows):
        if end <= start:
            bars.append(DayUptime(days[i], None, incident_names=names[i]))
        elif down_s[i] or degraded_s[i] or names[i]:
            bars.append(_figures(days[i], end - start, down_s[i], degraded_s[i], names[i]))
        else:
            bars.append(clean[i])
    return tuple(bars)


def quiet(days: Sequence[date]) -> list[DayUptime]:
    return [DayUptime(day, 1.0) for day in days]


def _figures(
    day: date, span: float, down: float, degraded: float, names: tuple[str, ...]
) -> DayUptime:
    return DayUptime(
        day,
        1.0 - down / span,
        down_seconds=round(down),
        degraded_seconds=round(degraded),
        incident_names=names,
    )
