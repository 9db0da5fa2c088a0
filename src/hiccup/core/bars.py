"""The page's daily uptime bars, from downtime intervals, in one sweep per component.

Times are float seconds since the epoch here: a 200-component page asks for 18,000 day figures
each time its snapshot is rebuilt, and datetime arithmetic would cost several times as much.
"""

from __future__ import annotations

from bisect import bisect_right
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


def per_window(
    merged: Sequence[Span], windows: Sequence[Span], ends: Sequence[float] | None = None
) -> dict[int, float]:
    """Seconds of each window covered by the merged spans, for the windows they touch.

    Windows are days: their ends ascend, and a window whose start is not before its end (a
    day before monitoring began) counts nothing. The cost follows the spans, not the days:
    a quiet component costs nothing.
    """
    out: dict[int, float] = {}
    ends = ends or [end for _, end in windows]
    for start, end in merged:
        i = bisect_right(ends, start)  # the first window ending after the span starts
        while i < len(windows) and windows[i][0] < end:
            overlap = min(end, windows[i][1]) - max(start, windows[i][0])
            if overlap > 0:
                out[i] = out.get(i, 0.0) + overlap
            i += 1
    return out


def day_bars(
    days: Sequence[date],
    windows: Sequence[Span],
    down: Sequence[Span],
    degraded: Sequence[Span],
    names: Sequence[tuple[str, ...]],
    clean: Sequence[DayUptime],
) -> tuple[DayUptime, ...]:
    """One component's bars. `windows` is each day's monitored part (start >= end: none).

    `clean[i]` is `quiet(days)[i]`: a day without downtime or incidents has the same figures
    on every component, so one shared object serves them all, and only the days an outage
    or an incident touched are worked out.
    """
    if windows[0][1] > windows[0][0] and windows[-1][1] > windows[-1][0]:
        bars = list(clean)  # monitored every day shown (the monitored days are contiguous)
    else:
        bars = [
            c if end > start else DayUptime(c.day, None)
            for c, (start, end) in zip(clean, windows, strict=True)
        ]
    ends = [end for _, end in windows]
    down_s = per_window(merge(down), windows, ends)
    degraded_s = per_window(merge(degraded), windows, ends)
    touched = down_s.keys() | degraded_s.keys()
    if any(names):
        touched |= {i for i, n in enumerate(names) if n}
    for i in touched:
        start, end = windows[i]
        if end > start:
            bars[i] = _figures(
                days[i], end - start, down_s.get(i, 0.0), degraded_s.get(i, 0.0), names[i]
            )
        else:
            bars[i] = DayUptime(days[i], None, incident_names=names[i])
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
