"""Figures for the console: each dashboard row's numbers, and a monitor page's charts.

Every read here is bounded by the monitors on one dashboard page (at most a few dozen ids) or
by one monitor, and goes through an index: the last result and the last outage are correlated
`ORDER BY ... LIMIT 1` subqueries on (monitor_id, at) and (monitor_id, started_at); latency
over time comes from the hourly or daily rollups, never from raw results beyond an hour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Table, func, select

from hiccup.core.public import LatencyPoint
from hiccup.core.rollup import Rollup, hour_start
from hiccup.core.uptime import Interval, uptime_ratio
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.certificates import KnownCertificate, certificate_ends, known_certificates
from hiccup.store.codec import utc
from hiccup.store.history_read import down_intervals_by_monitor
from hiccup.store.results import LOCAL, from_ms, to_ms
from hiccup.store.rollups import rollup_from_row
from hiccup.store.tables import components, monitors, outages
from hiccup.store.tables_history import rollups_daily, rollups_hourly
from hiccup.store.tables_probes import probes
from hiccup.store.tables_results import monitor_keys, results

SPARK_HOURS = 24
Grain = Literal["raw", "hourly", "daily"]


@dataclass(frozen=True, slots=True)
class RowFigures:
    """One dashboard row's numbers beyond what the monitor list itself reads."""

    since: datetime | None  # when the monitor entered its current state
    last_latency_ms: float | None
    uptime_24h: float | None  # 0..1; None before the monitor was watched at all
    spark: tuple[float | None, ...]  # mean latency of each of the last 24 hours, oldest first
    cert_not_after: datetime | None


@dataclass(frozen=True, slots=True)
class RegionLatency:
    probe: str
    region: str | None
    count: int
    mean_ms: float | None
    max_ms: float | None


async def _created(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, datetime]:
    query = select(monitors.c.id, monitors.c.created_at).where(monitors.c.id.in_(ids))
    return {row[0]: utc(row[1]) for row in await conn.execute(query)}


async def _last_latencies(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, int | None]:
    """Each monitor's newest result's latency, through the (monitor_key, at) key: one short
    walk down the b-tree per monitor."""
    inner = results.alias("newest")
    k = monitor_keys.c
    newest = select(func.max(inner.c.at)).where(inner.c.monitor_key == k.key).scalar_subquery()
    query = (
        select(k.monitor_id, results.c.latency_ms)
        .select_from(monitor_keys)
        .join(results, (results.c.monitor_key == k.key) & (results.c.at == newest))
        .where(k.monitor_id.in_(ids))
    )
    return {row.monitor_id: row.latency_ms for row in await conn.execute(query)}


async def _last_outages(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, Any]:
    """Each monitor's newest outage or degradation that an operator did not mark false."""
    inner = outages.alias("newest")
    newest = (
        select(inner.c.id)
        .where(inner.c.monitor_id == monitors.c.id, inner.c.false_at.is_(None))
        .order_by(inner.c.started_at.desc(), inner.c.id.desc())
        .limit(1)
        .correlate(monitors)
        .scalar_subquery()
    )
    query = (
        select(outages.c.monitor_id, outages.c.started_at, outages.c.ended_at)
        .select_from(monitors)
        .join(outages, outages.c.id == newest)
        .where(monitors.c.id.in_(ids))
    )
    return {row.monitor_id: row for row in await conn.execute(query)}


async def _hourly_means(
    conn: AsyncConnection, ids: Sequence[str], lo: datetime
) -> dict[str, dict[datetime, float]]:
    t = rollups_hourly.c
    query = select(t.monitor_id, t.bucket_start, t.latency_sum, t.latency_count).where(
        t.monitor_id.in_(ids), t.bucket_start >= lo
    )
    found: dict[str, dict[datetime, float]] = defaultdict(dict)
    for monitor_id, start, total, count in await conn.execute(query):
        if count:
            found[monitor_id][utc(start)] = total / count
    return found


def _since(outage: Any, created: datetime | None) -> datetime | None:
    if outage is None:
        return created
    return utc(outage.started_at) if outage.ended_at is None else utc(outage.ended_at)


async def row_figures(
    conn: AsyncConnection, ids: Sequence[str], now: datetime
) -> dict[str, RowFigures]:
    """The figures of the dashboard rows of these monitors (one page of them), at `now`."""
    if not ids:
        return {}
    day_ago = now - timedelta(hours=24)
    created = await _created(conn, ids)
    last = await _last_latencies(conn, ids)
    certificates = await certificate_ends(conn, ids)
    spans = await _last_outages(conn, ids)
    first_hour = hour_start(now) - timedelta(hours=SPARK_HOURS - 1)
    means = await _hourly_means(conn, ids, first_hour)
    down = await down_intervals_by_monitor(conn, ids, day_ago, now)
    hours = [first_hour + timedelta(hours=i) for i in range(SPARK_HOURS)]
    found: dict[str, RowFigures] = {}
    for monitor_id in ids:
        born = created.get(monitor_id)
        found[monitor_id] = RowFigures(
            since=_since(spans.get(monitor_id), born),
            last_latency_ms=last.get(monitor_id),
            uptime_24h=(
                uptime_ratio(down.get(monitor_id, []), born, day_ago, now) if born else None
            ),
            spark=tuple(means.get(monitor_id, {}).get(hour) for hour in hours),
            cert_not_after=certificates.get(monitor_id),
        )
    return found


def grain_for(span: timedelta) -> Grain:
    """Raw points up to a few hours, hourly rollups up to a month, daily ones beyond."""
    if span <= timedelta(hours=3):
        return "raw"
    return "hourly" if span <= timedelta(days=31) else "daily"


async def latency_series(
    conn: AsyncConnection, monitor_id: str, lo: datetime, hi: datetime
) -> tuple[Grain, list[LatencyPoint]]:
    """Latency of one monitor over [lo, hi): each raw result, or p50/p95/p99 per rollup."""
    grain = grain_for(hi - lo)
    if grain == "raw":
        return grain, await _raw_points(conn, monitor_id, lo, hi)
    table: Table = rollups_hourly if grain == "hourly" else rollups_daily
    # Buckets that start inside the range: one begun before `lo` would sit left of the chart.
    query = (
        select(table)
        .where(
            table.c.monitor_id == monitor_id,
            table.c.bucket_start >= lo,
            table.c.bucket_start < hi,
        )
        .order_by(table.c.bucket_start)
    )
    points = [_point(row) for row in (await conn.execute(query)).mappings()]
    return grain, points


def _point(row: Any) -> LatencyPoint:
    return point_of(utc(row["bucket_start"]), rollup_from_row(row))


def point_of(at: datetime, rollup: Rollup) -> LatencyPoint:
    return LatencyPoint(
        at=at,
        count=rollup.latency_count,
        p50=rollup.percentile(0.5),
        p95=rollup.percentile(0.95),
        p99=rollup.percentile(0.99),
    )


def _results_of(monitor_id: str, lo: datetime) -> Any:
    r, k = results.c, monitor_keys.c
    return (
        results.join(monitor_keys, k.key == r.monitor_key),
        (k.monitor_id == monitor_id) & (r.at >= to_ms(lo)) & r.reliable.is_(True),
    )


async def _raw_points(
    conn: AsyncConnection, monitor_id: str, lo: datetime, hi: datetime
) -> list[LatencyPoint]:
    r = results.c
    joined, chosen = _results_of(monitor_id, lo)
    query = (
        select(r.at, r.latency_ms)
        .select_from(joined)
        .where(chosen, r.at < to_ms(hi))
        .order_by(r.at)
    )
    return [
        LatencyPoint(from_ms(at), 1 if ms is not None else 0, ms, ms, ms)
        for at, ms in await conn.execute(query)
    ]


async def uptimes(
    conn: AsyncConnection, monitor_id: str, spans: Sequence[timedelta], now: datetime
) -> dict[timedelta, float | None]:
    """The share of each span up to `now` the monitor was not down (outages marked false
    excepted), from when it was created."""
    created = await _created(conn, [monitor_id])
    born = created.get(monitor_id)
    if born is None or not spans:
        return dict.fromkeys(spans)
    widest = now - max(spans)
    down: list[Interval] = (await down_intervals_by_monitor(conn, [monitor_id], widest, now)).get(
        monitor_id, []
    )
    return {span: uptime_ratio(down, born, now - span, now) for span in spans}


async def uptimes_by_monitor(
    conn: AsyncConnection, ids: Sequence[str], spans: Sequence[timedelta], now: datetime
) -> dict[str, dict[timedelta, float | None]]:
    """`uptimes` for several monitors in three queries (the public page's components)."""
    if not ids or not spans:
        return {}
    created = await _created(conn, ids)
    down = await down_intervals_by_monitor(conn, ids, now - max(spans), now)
    return {
        monitor_id: {
            span: uptime_ratio(down.get(monitor_id, []), born, now - span, now) for span in spans
        }
        for monitor_id, born in created.items()
    }


async def latency_by_region(
    conn: AsyncConnection, monitor_id: str, lo: datetime
) -> list[RegionLatency]:
    """Latency since `lo` per probe that checked the monitor ("local": the server itself)."""
    r = results.c
    joined, chosen = _results_of(monitor_id, lo)
    query = (
        select(
            r.probe,
            probes.c.region,
            func.count(r.latency_ms),
            func.avg(r.latency_ms),
            func.max(r.latency_ms),
        )
        .select_from(joined.outerjoin(probes, probes.c.name == r.probe))
        .where(chosen)
        .group_by(r.probe, probes.c.region)
    )
    found = [
        RegionLatency(probe or LOCAL, region, int(count), _float(mean), _float(most))
        for probe, region, count, mean, most in await conn.execute(query)
    ]
    return sorted(found, key=lambda g: (g.probe == LOCAL, g.probe))  # the server's own last


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


async def last_certificate(conn: AsyncConnection, monitor_id: str) -> KnownCertificate | None:
    """The certificate the newest check read, if a check read one."""
    return (await known_certificates(conn, [monitor_id])).get(monitor_id)


async def component_latency(
    conn: AsyncConnection, page_id: str, keys: frozenset[str], lo: datetime, hi: datetime
) -> dict[str, list[LatencyPoint]]:
    """Component id -> p50/p95/p99 of each hour starting in [lo, hi), for the page's components
    with these keys: their public monitors' hourly rollups merged (a group's: its members')."""
    c = components.c
    rows = (await conn.execute(select(c.id, c.key, c.group_id).where(c.page_id == page_id))).all()
    chosen = {row.id for row in rows if row.key in keys}
    owners: dict[str, list[str]] = defaultdict(list)  # component -> the charts it feeds
    for row in rows:
        owners[row.id] += [cid for cid in (row.id, row.group_id) if cid in chosen]
    if not chosen:
        return {}
    m = monitors.c
    query = select(m.id, m.component_id).where(
        m.component_id.in_([cid for cid, feeds in owners.items() if feeds]), m.public
    )
    feeds = {
        monitor_id: owners[component_id] for monitor_id, component_id in await conn.execute(query)
    }
    sums: dict[str, dict[datetime, Rollup]] = {cid: {} for cid in chosen}
    if feeds:
        t = rollups_hourly
        hours = select(t).where(
            t.c.monitor_id.in_(list(feeds)), t.c.bucket_start >= lo, t.c.bucket_start < hi
        )
        for hour in (await conn.execute(hours)).mappings():
            start = utc(hour["bucket_start"])
            for cid in feeds[hour["monitor_id"]]:
                sums[cid].setdefault(start, Rollup()).merge(rollup_from_row(hour))
    return {
        cid: [point_of(at, rollup) for at, rollup in sorted(found.items())]
        for cid, found in sums.items()
    }
