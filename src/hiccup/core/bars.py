"""The page's daily uptime bars, from downtime intervals, in one sweep per component.

Times are float seconds since the epoch here: a 200-component page asks for 18,000 day figures
each time its snapshot is rebuilt, and datetime arithmetic would cost several times as much.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from hiccup.core.public import DayUptime

Span = tuple[float, float]
Spell = tuple[datetime, datetime | None, str]  # an incident's start, end (None: open), name


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
    count = len(windows)
    for start, end in merged:
        i = bisect_right(ends, start)  # the first window ending after the span starts
        while i < count:
            lo, hi = windows[i]
            if lo >= end:
                break
            # Conditionals, not min() and max(): this loop runs for every day an outage touched.
            overlap = (end if end < hi else hi) - (start if start > lo else lo)
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
            down_i, degraded_i = down_s.get(i, 0.0), degraded_s.get(i, 0.0)
            bars[i] = DayUptime(
                days[i], 1.0 - down_i / (end - start), round(down_i), round(degraded_i), names[i]
            )
        else:
            bars[i] = DayUptime(days[i], None, incident_names=names[i])
    return tuple(bars)


def quiet(days: Sequence[date]) -> list[DayUptime]:
    return [DayUptime(day, 1.0) for day in days]


def names_per_day(
    spells: Iterable[Spell], bounds: Sequence[tuple[datetime, datetime]]
) -> tuple[tuple[str, ...], ...]:
    """The names of the incidents open during each day, once each, in the spells' order."""
    starts, ends = [lo for lo, _ in bounds], [hi for _, hi in bounds]
    found: list[dict[str, None]] = [{} for _ in bounds]
    for started, resolved, name in spells:
        # The days ending after it started, up to the first one starting after it ended.
        last = len(bounds) if resolved is None else bisect_left(starts, resolved)
        for day in found[bisect_right(ends, started) : last]:
            day.setdefault(name)
    return tuple(tuple(names) for names in found)
