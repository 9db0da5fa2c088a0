"""Uptime arithmetic from downtime intervals (state changes), never from sampling."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime | None  # None: still going on

    def clipped(self, lo: datetime, hi: datetime) -> timedelta:
        end = self.end or hi
        overlap = min(end, hi) - max(self.start, lo)
        return max(overlap, timedelta(0))


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(), zone)
    return start, datetime.combine(day + timedelta(days=1), time(), zone)


def covered(intervals: Iterable[Interval], lo: datetime, hi: datetime) -> timedelta:
    """Total time within [lo, hi) covered by the union of the intervals."""
    spans = sorted((max(i.start, lo), min(i.end or hi, hi)) for i in intervals)
    total, cursor = timedelta(0), lo
    for start, end in spans:
        start = max(start, cursor)
        if end > start:
            total += end - start
            cursor = end
    return total


def uptime_ratio(
    outages: Sequence[Interval], monitored_from: datetime, lo: datetime, hi: datetime
) -> float | None:
    """Share of monitored time in [lo, hi) not covered by outages; None if nothing monitored."""
    lo = max(lo, monitored_from)
    if hi <= lo:
        return None
    down = covered(outages, lo, hi)
    return 1.0 - down / (hi - lo)
