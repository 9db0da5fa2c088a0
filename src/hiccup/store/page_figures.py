"""Per-component figures for badges: rolling uptime from outage intervals and the mean response
time of the last 24 hours from the hourly rollups, and the latest response time per probe
region. Five queries per snapshot build, whatever the traffic: never a query per request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from hiccup.core.pages import rolling_uptime
from hiccup.core.public import Figures
from hiccup.core.uptime import Interval
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.tables import components, monitors, outages
from hiccup.store.tables_history import rollups_hourly
from hiccup.store.tables_probes import probe_votes

LONGEST_WINDOW = timedelta(days=90)
REGION_FRESH = timedelta(minutes=10)  # older per-region figures are not shown


@dataclass
class _Sums:
    down: list[Interval] = field(default_factory=list)
    since: datetime | None = None
    latency_sum: float = 0.0
    latency_count: int = 0
    regional: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def absorb(self, other: _Sums) -> None:
        self.down += other.down
        if other.since is not None:
            self.since = min(self.since or other.since, other.since)
        self.latency_sum += other.latency_sum
        self.latency_count += other.latency_count
        for region, seen in other.regional.items():
            self.regional[region] += seen

    def figures(self, now: datetime) -> Figures:
        mean = self.latency_sum / self.latency_count if self.latency_count else None
        regions = tuple(
            (region, sum(seen) / len(seen)) for region, seen in sorted(self.regional.items())
        )
        # One place is no comparison: the line appears once a second region reports.
        return Figures(rolling_uptime(self.down, self.since, now), mean, regions[1:] and regions)


async def _regional_latency(
    conn: AsyncConnection, owner: dict[str, str], sums: dict[str, _Sums], now: datetime
) -> None:
    v = probe_votes.c
    query = select(v.monitor_id, v.region, v.latency_ms).where(
        v.monitor_id.in_(list(owner)),
        v.at > now - REGION_FRESH,
        v.latency_ms.is_not(None),
        v.healthy.is_(True),
    )
    for monitor_id, region, latency in await conn.execute(query):
        sums[owner[monitor_id]].regional[region].append(float(latency))


async def _monitor_sums(
    conn: AsyncConnection, owner: dict[str, str], now: datetime
) -> dict[str, _Sums]:
    sums: dict[str, _Sums] = defaultdict(_Sums)
    ids = list(owner)
    down = select(outages.c.monitor_id, outages.c.started_at, outages.c.ended_at).where(
        outages.c.monitor_id.in_(ids),
        outages.c.state == "down",
        outages.c.false_at.is_(None),
        outages.c.before_reached.is_(False),  # the check never answered yet: a typo
        or_(outages.c.ended_at.is_(None), outages.c.ended_at > now - LONGEST_WINDOW),
    )
    for monitor_id, started, ended in await conn.execute(down):
        sums[owner[monitor_id]].down.append(Interval(utc(started), utc_or_none(ended)))
    h = rollups_hourly.c
    latency = (
        select(h.monitor_id, func.sum(h.latency_sum), func.sum(h.latency_count))
        .where(h.monitor_id.in_(ids), h.bucket_start >= now - timedelta(hours=24))
        .group_by(h.monitor_id)
    )
    for monitor_id, total, count in await conn.execute(latency):
        sums[owner[monitor_id]].latency_sum += float(total or 0.0)
        sums[owner[monitor_id]].latency_count += int(count or 0)
    await _regional_latency(conn, owner, sums, now)
    return sums


async def read_figures(
    conn: AsyncConnection, page_id: str, now: datetime
) -> dict[str, tuple[str, Figures]]:
    """component id -> (config key, figures); groups count their members' monitors."""
    rows = (
        await conn.execute(
            select(components.c.id, components.c.key, components.c.group_id).where(
                components.c.page_id == page_id
            )
        )
    ).all()
    owner: dict[str, str] = {}
    since: dict[str, datetime] = {}
    query = select(monitors.c.id, monitors.c.component_id, monitors.c.created_at).where(
        monitors.c.component_id.in_([r.id for r in rows]), monitors.c.public
    )
    for monitor_id, component_id, created_at in await conn.execute(query):
        owner[monitor_id] = component_id
        since[component_id] = min(since.get(component_id, utc(created_at)), utc(created_at))
    sums = await _monitor_sums(conn, owner, now) if owner else {}
    total = {r.id: _Sums(since=since.get(r.id)) for r in rows}
    for component_id, found in sums.items():
        total[component_id].absorb(found)
    for row in rows:
        if row.group_id in total:
            total[row.group_id].absorb(total[row.id])
    return {r.id: (r.key, total[r.id].figures(now)) for r in rows}
