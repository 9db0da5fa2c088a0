"""SLA arithmetic: uptime over any range from downtime intervals (state changes), not samples.

Excluded spans (maintenance windows) come out of both the downtime and the monitored time:
an outage during announced maintenance does not count against the SLA, and neither does the
time the window covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hiccup.core.uptime import Interval

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Sla:
    monitored: timedelta  # time in range that was monitored and not excluded
    downtime: timedelta
    outages: int  # separate stretches of downtime that count

    @property
    def uptime(self) -> float | None:
        """Share of monitored time that was up; None when nothing in the range counted."""
        if self.monitored <= timedelta(0):
            return None
        return 1.0 - self.downtime / self.monitored


def union(intervals: Iterable[Interval], lo: datetime, hi: datetime) -> list[Span]:
    """The intervals clipped to [lo, hi), merged into sorted disjoint spans (ongoing ends at hi)."""
    clipped = sorted((max(i.start, lo), min(i.end or hi, hi)) for i in intervals if i.start < hi)
    spans: list[Span] = []
    for start, end in clipped:
        if end <= start:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """Disjoint sorted spans minus disjoint sorted holes."""
    out: list[Span] = []
    k = 0
    for start, end in spans:
        while k < len(holes) and holes[k][1] <= start:
            k += 1
        cursor, j = start, k
        while j < len(holes) and holes[j][0] < end:
            if holes[j][0] > cursor:
                out.append((cursor, holes[j][0]))
            cursor = max(cursor, holes[j][1])
            j += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def length(spans: Iterable[Span]) -> timedelta:
    return sum((end - start for start, end in spans), timedelta(0))


def sla(
    down: Iterable[Interval],
    monitored_from: datetime | None,
    lo: datetime,
    hi: datetime,
    excluded: Sequence[Interval] = (),
) -> Sla:
    """Downtime, monitored time and outage count in [lo, hi), without the excluded spans."""
    start = lo if monitored_from is None else max(lo, monitored_from)
    if monitored_from is None or hi <= start:
        return Sla(timedelta(0), timedelta(0), 0)
    holes = union(excluded, start, hi)
    stretches = union(down, start, hi)
    # Count a stretch once even if a window cuts it in two; drop it if a window covers it all.
    counted = [s for s in stretches if subtract([s], holes)]
    return Sla(
        monitored=length(subtract([(start, hi)], holes)),
        downtime=length(subtract(stretches, holes)),
        outages=len(counted),
    )


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-10' -> [2026-10-01, 2026-11-01) in UTC."""
    match = _MONTH.match(month)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"invalid month {month!r} (use YYYY-MM, e.g. 2026-10)")
    year, number = int(match[1]), int(match[2])
    lo = datetime(year, number, 1, tzinfo=UTC)
    hi = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return lo, hi
