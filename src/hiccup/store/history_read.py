"""Reads for SLA and reports: downtime intervals from `outages`, latency from daily rollups.

Neither touches raw results, so a year costs a year's outages plus 365 rollup rows a monitor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, extract, func, or_, select

from hiccup.core.rollup import Rollup
from hiccup.core.uptime import Interval
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.rollups import rollup_from_row
from hiccup.store.tables import components, monitors, outages, pages
from hiccup.store.tables_history import rollups_daily

_IDS_PER_QUERY = 2000
_UNIX_EPOCH_JULIAN_DAY = 2440587.5


@dataclass(frozen=True, slots=True)
class MonitorRecord:
    id: str
    key: str
    name: str
    component_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ComponentRecord:
    id: str
    name: str
    group_id: str | None
    is_group: bool


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _IDS_PER_QUERY] for i in range(0, len(ordered), _IDS_PER_QUERY)]


async def read_components(conn: AsyncConnection, page_slug: str | None) -> list[ComponentRecord]:
    query = select(components.c.id, components.c.name, components.c.group_id, components.c.is_group)
    query = query.join(pages, pages.c.id == components.c.page_id)
    if page_slug is not None:
        query = query.where(pages.c.slug == page_slug)
    query = query.order_by(pages.c.slug, components.c.position)
    return [ComponentRecord(*row) for row in await conn.execute(query)]


async def read_monitors(conn: AsyncConnection, page_slug: str | None) -> list[MonitorRecord]:
    c = monitors.c
    query = select(c.id, c.key, c.name, c.component_id, c.created_at).order_by(c.key)
    if page_slug is not None:
        query = (
            query.join(components, components.c.id == c.component_id)
            .join(pages, pages.c.id == components.c.page_id)
            .where(pages.c.slug == page_slug)
        )
    return [
        MonitorRecord(id_, key, name, component_id, utc(created))
        for id_, key, name, component_id, created in await conn.execute(query)
    ]


async def down_intervals_by_monitor(
    conn: AsyncConnection, monitor_ids: Sequence[str], lo: datetime, hi: datetime
) -> dict[str, list[Interval]]:
    """Each monitor's confirmed "down" intervals touching [lo, hi)."""
    found: dict[str, list[Interval]] = defaultdict(list)
    c = outages.c
    for chunk in _chunks(monitor_ids):
        query = select(c.monitor_id, c.started_at, c.ended_at).where(
            c.monitor_id.in_(chunk),
            c.state == "down",
            c.false_at.is_(None),  # marked false by an operator (a probe fault, a typo)
            c.before_reached.is_(False),  # before the check ever answered (core.reach)
            c.started_at < hi,
            or_(c.ended_at.is_(None), c.ended_at > lo),
        )
        for monitor_id, started, ended in await conn.execute(query):
            found[monitor_id].append(Interval(utc(started), utc_or_none(ended)))
    return found


async def latency_by_monitor(
    conn: AsyncConnection, monitor_ids: Sequence[str], lo: datetime, hi: datetime
) -> dict[str, Rollup]:
    """Each monitor's daily rollups with a day starting in [lo, hi), merged into one."""
    found: dict[str, Rollup] = defaultdict(Rollup)
    t = rollups_daily
    for chunk in _chunks(monitor_ids):
        query = select(t).where(
            t.c.monitor_id.in_(chunk), t.c.bucket_start >= lo, t.c.bucket_start < hi
        )
        for row in (await conn.execute(query)).mappings():
            found[row["monitor_id"]].merge(rollup_from_row(row))
    return found


def epoch_seconds(column: ColumnElement[datetime], dialect: str) -> ColumnElement[Any]:
    """A UTC datetime column as float seconds since the epoch, computed by the database.

    Turning thousands of rows into datetimes and back costs more than the query itself.
    """
    if dialect == "sqlite":
        # Stored as UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff': the whole seconds, then the fraction
        # as written. SQLite's date functions keep milliseconds, and their rounding can carry
        # into the seconds, so they only ever see the text before the fraction.
        days = func.julianday(func.substr(column, 1, 19)) - _UNIX_EPOCH_JULIAN_DAY
        return func.round(days * 86_400.0) + cast(func.substr(column, 20), Float)
    return cast(extract("epoch", column), Float)
