"""The monthly SLA report: uptime, downtime and latency per component (and per monitor).

Uptime comes from downtime intervals (state changes), latency percentiles from daily rollups;
neither reads raw results. A component counts as down while any of its monitors is down (as
on the page's uptime bars); a group covers its members' monitors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hiccup.core.rollup import Rollup, merged
from hiccup.core.sla import Sla, month_bounds, sla
from hiccup.core.uptime import Interval
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.history_read import (
    ComponentRecord,
    MonitorRecord,
    down_intervals_by_monitor,
    latency_by_monitor,
    read_components,
    read_monitors,
)
from hiccup.store.maintenance import windows_between

QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


@dataclass(frozen=True, slots=True)
class SlaRow:
    name: str
    group: str | None  # the group a member component belongs to, or a monitor's component
    sla: Sla
    latency: Rollup

    def percentiles(self) -> dict[str, float | None]:
        return {name: self.latency.percentile(q) for name, q in QUANTILES.items()}


@dataclass(frozen=True, slots=True)
class MonthReport:
    month: str
    start: datetime
    end: datetime  # the month's end, or now for the running month
    exclude_maintenance: bool
    components: tuple[SlaRow, ...]
    monitors: tuple[SlaRow, ...]


@dataclass(frozen=True, slots=True)
class _Inputs:
    down: Mapping[str, list[Interval]]
    latency: Mapping[str, Rollup]


@dataclass(frozen=True, slots=True)
class _Range:
    lo: datetime
    hi: datetime
    windows: Mapping[str, list[Interval]]  # by component id; empty unless excluding

    def excluded(self, component_id: str | None) -> list[Interval]:
        return self.windows.get(component_id or "", [])


def _row(
    name: str,
    group: str | None,
    covered: Sequence[MonitorRecord],
    inputs: _Inputs,
    excluded: Sequence[Interval],
    span: _Range,
) -> SlaRow:
    intervals = [i for m in covered for i in inputs.down.get(m.id, ())]
    since = min((m.created_at for m in covered), default=None)
    latency = merged(inputs.latency[m.id] for m in covered if m.id in inputs.latency)
    return SlaRow(name, group, sla(intervals, since, span.lo, span.hi, excluded), latency)


def _coverage(
    parts: Sequence[ComponentRecord], found: Sequence[MonitorRecord]
) -> dict[str, list[MonitorRecord]]:
    """The monitors each component answers for: its own, and a group's members' too."""
    covers: dict[str, list[MonitorRecord]] = defaultdict(list)
    group_of = {c.id: c.group_id for c in parts}
    for monitor in found:
        if monitor.component_id is None:
            continue
        covers[monitor.component_id].append(monitor)
        group = group_of.get(monitor.component_id)
        if group is not None:
            covers[group].append(monitor)
    return covers


async def _windows(
    conn: AsyncConnection, parts: Sequence[ComponentRecord], lo: datetime, hi: datetime
) -> dict[str, list[Interval]]:
    # A group's window covers its members; a member's own window does not cover its group.
    return {
        c.id: await windows_between(conn, [c.id, *([c.group_id] if c.group_id else [])], lo, hi)
        for c in parts
    }


async def month_report(
    conn: AsyncConnection,
    month: str,
    now: datetime,
    *,
    page_slug: str | None = None,
    exclude_maintenance: bool = False,
) -> MonthReport:
    lo, hi = month_bounds(month)
    hi = max(lo, min(hi, now))
    parts = await read_components(conn, page_slug)
    found = await read_monitors(conn, page_slug)
    ids = [m.id for m in found]
    inputs = _Inputs(
        await down_intervals_by_monitor(conn, ids, lo, hi),
        await latency_by_monitor(conn, ids, lo, hi),
    )
    span = _Range(lo, hi, await _windows(conn, parts, lo, hi) if exclude_maintenance else {})
    names = {c.id: c.name for c in parts}
    covers = _coverage(parts, found)
    component_rows = tuple(
        _row(c.name, names.get(c.group_id or ""), covers[c.id], inputs, span.excluded(c.id), span)
        for c in parts
    )
    monitor_rows = tuple(
        _row(
            m.name,
            names.get(m.component_id or ""),
            [m],
            inputs,
            span.excluded(m.component_id),
            span,
        )
        for m in found
    )
    return MonthReport(month, lo, hi, exclude_maintenance, component_rows, monitor_rows)


async def monitor_range(
    conn: AsyncConnection,
    monitor: MonitorRecord,
    lo: datetime,
    hi: datetime,
    excluded: Sequence[Interval] = (),
) -> SlaRow:
    """One monitor's SLA and latency over any range, by the report's arithmetic."""
    inputs = _Inputs(
        await down_intervals_by_monitor(conn, [monitor.id], lo, hi),
        await latency_by_monitor(conn, [monitor.id], lo, hi),
    )
    return _row(monitor.name, None, [monitor], inputs, excluded, _Range(lo, hi, {}))


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def row_json(row: SlaRow) -> dict[str, Any]:
    figures = row.sla
    uptime = figures.uptime
    return {
        "name": row.name,
        "group": row.group,
        "uptime_percent": None if uptime is None else round(uptime * 100, 4),
        "downtime_seconds": round(figures.downtime.total_seconds()),
        "outages": figures.outages,
        "monitored_seconds": round(figures.monitored.total_seconds()),
        "checks": row.latency.total,
        "unreliable_checks": row.latency.unreliable,
        "latency_ms": {k: _rounded(v, 2) for k, v in row.percentiles().items()},
    }


def report_json(report: MonthReport, *, with_monitors: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "month": report.month,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "exclude_maintenance": report.exclude_maintenance,
        "components": [row_json(r) for r in report.components],
    }
    if with_monitors:
        document["monitors"] = [row_json(r) for r in report.monitors]
    return document
