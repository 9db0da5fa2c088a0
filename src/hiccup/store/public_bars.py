"""The page's daily uptime bars, read from `outages`, with the closed days kept between rebuilds.

A day before today never changes once it has ended, unless the history behind it does: an
outage written late or edited, a monitor deleted or moved. So a `BarsCache` (one per snapshot
builder) keeps each component's closed days, and a rebuild reads only the outages still open
or ended today, plus a summary of the closed ones that the database gives (see `_summary`).
Another server may have written them, so the database, never an event inside this process,
decides when the closed days are worked out again.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select

from hiccup.core.bars import Span, day_bars, merge
from hiccup.core.public import DayUptime
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.history_read import epoch_seconds
from hiccup.store.tables import components, monitors, outages
from hiccup.store.tables_revisions import CLOSED_OUTAGES, history_revisions

Names = tuple[tuple[str, ...], ...]  # incident names per day shown
Groups = Mapping[str, tuple[str, ...]]  # group id -> member ids, in page order


@dataclass(frozen=True, slots=True)
class PageDays:
    """The page's days, computed once for all its components."""

    time_zone: str
    days: tuple[date, ...]
    bounds: tuple[tuple[datetime, datetime], ...]
    windows: tuple[Span, ...]  # the same bounds in epoch seconds, today ending now
    clean: tuple[DayUptime, ...]  # see hiccup.core.bars.quiet
    no_names: Names

    # In UTC: SQLite compares the UTC text stored, and would read a local time as UTC.
    @property
    def lo(self) -> datetime:
        """When the first day shown began."""
        return self.bounds[0][0].astimezone(UTC)

    @property
    def cut(self) -> datetime:
        """When today began: outages that ended before it touch only closed days."""
        return self.bounds[-1][0].astimezone(UTC)


@dataclass(slots=True)
class _Spans:
    down: list[Span] = field(default_factory=list)
    degraded: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class _Closed:
    """One page shape's outages that ended before today, merged per component."""

    key: Hashable
    spans: dict[str, _Spans]
    # component id -> (its start and closed days' incident names, its closed days' bars)
    cells: dict[str, tuple[Hashable, tuple[DayUptime, ...]]] = field(default_factory=dict)


_MonitorRow = tuple[str, str, float]  # monitor id, component id, created at (epoch seconds)


@dataclass(frozen=True, slots=True)
class _Catalog:
    """The page's monitors: which component each serves, and since when."""

    key: Hashable
    rows: tuple[_MonitorRow, ...]
    owners: dict[str, str]


class BarsCache:
    """What the last rebuild read that has not changed since, checked against the database."""

    def __init__(self) -> None:
        self._catalogs: dict[str, _Catalog] = {}  # by page id
        self._closed: dict[tuple[str, str, int], _Closed] = {}  # page, time zone, days shown


async def _read_catalog(conn: AsyncConnection, page_id: str, key: Hashable) -> _Catalog:
    m = monitors.c
    query = (
        select(m.id, m.component_id, epoch_seconds(m.created_at, conn.dialect.name))
        .join(components, components.c.id == m.component_id)
        # Operator-only monitors (public: false) never reach the bars.
        .where(components.c.page_id == page_id, m.public)
        .order_by(m.id)
    )
    rows = tuple((i, c, at) for i, c, at in await conn.execute(query))
    return _Catalog(key, rows, {monitor_id: component_id for monitor_id, component_id, _ in rows})


def _since(rows: Iterable[_MonitorRow], groups: Groups) -> dict[str, float]:
    """When each component's monitoring began: its first monitor's (a group's, its members')."""
    since: dict[str, float] = {}
    for _, component_id, created in rows:
        since[component_id] = min(since.get(component_id, created), created)
    for group_id, members in groups.items():
        for first in (since[m] for m in members if m in since):
            since[group_id] = min(since.get(group_id, first), first)
    return since


def _outage_rows(dialect: str, *where: ColumnElement[bool]) -> Select[Any]:
    # Served by a covering index on (ended_at, ...) whatever the years of history behind it;
    # other pages' outages are skipped in Python rather than joined away in SQL.
    c = outages.c
    return select(
        c.monitor_id,
        c.state,
        epoch_seconds(c.started_at, dialect),
        epoch_seconds(c.ended_at, dialect),
    ).where(
        c.false_at.is_(None),  # marked false by an operator: not downtime
        c.before_reached.is_(False),  # before the check ever answered (hiccup.core.reach)
        *where,
    )


def _by_component(
    rows: Iterable[Any], owners: Mapping[str, str], groups: Groups, ongoing_end: float
) -> dict[str, _Spans]:
    found: dict[str, _Spans] = defaultdict(_Spans)
    for monitor_id, state, started, ended in rows:
        component_id = owners.get(monitor_id)
        if component_id is not None:
            spans = found[component_id]
            bucket = spans.down if state == "down" else spans.degraded
            bucket.append((started, ongoing_end if ended is None else ended))
    for group_id, members in groups.items():
        for member in [m for m in members if m in found]:
            found[group_id].down += found[member].down
            found[group_id].degraded += found[member].degraded
    return found


async def _summary(conn: AsyncConnection, page_id: str, days: PageDays) -> tuple[Any, ...]:
    """The page's monitors, and what stands for the outages that ended in the closed days.

    Any write that inserts, edits or deletes an outage that had ended moves the
    `closed_outages` revision in its own transaction (triggers: whoever writes). The others
    touch only open outages; of those, closing one before today is the only way to reach
    these outages, and it adds to their count. So the revision and the count change whenever
    they do, for a primary-key read and a count over the covering index instead of a
    checksum of every row. One statement, so all three come from the same moment.
    """
    c, m, r = outages.c, monitors.c, history_revisions.c
    catalog = (
        select(
            func.aggregate_strings(
                m.id + " " + m.component_id + " " + cast(m.created_at, String), ";"
            )
        )
        .join(components, components.c.id == m.component_id)
        .where(components.c.page_id == page_id, m.public)
        .scalar_subquery()
    )
    revision = select(r.revision).where(r.subject == CLOSED_OUTAGES).scalar_subquery()
    query = select(catalog, revision, func.count()).where(
        c.ended_at > days.lo, c.ended_at <= days.cut
    )
    return tuple((await conn.execute(query)).one())


async def _read_closed(
    conn: AsyncConnection, days: PageDays, owners: Mapping[str, str], groups: Groups
) -> _Closed:
    c = outages.c
    query = _outage_rows(conn.dialect.name, c.ended_at > days.lo, c.ended_at <= days.cut)
    found = _by_component(await conn.execute(query), owners, groups, days.cut.timestamp())
    return _Closed(None, {k: _Spans(merge(s.down), merge(s.degraded)) for k, s in found.items()})


async def _held(
    conn: AsyncConnection, cache: BarsCache, page_id: str, days: PageDays, groups: Groups
) -> tuple[_Catalog, _Closed]:
    """The cached catalog and closed days, read again where the database's summary differs."""
    summary = await _summary(conn, page_id, days)
    catalog = cache._catalogs.get(page_id)
    shape = (page_id, days.time_zone, len(days.days))
    closed = cache._closed.get(shape)
    key = (days.days, summary, tuple(groups.items()))
    if (
        catalog is not None
        and catalog.key == summary[0]
        and closed is not None
        and closed.key == key
    ):
        return catalog, closed
    if catalog is None or catalog.key != summary[0]:
        catalog = await _read_catalog(conn, page_id, summary[0])
    closed = replace(await _read_closed(conn, days, catalog.owners, groups), key=key)
    # Written while we read: use it this once, and read it again next time. Without the
    # revision row (never deleted by Hiccup) an edit would go unseen: keep nothing.
    if summary[1] is not None and await _summary(conn, page_id, days) == summary:
        cache._catalogs[page_id], cache._closed[shape] = catalog, closed
    return catalog, closed


async def read_bars(
    conn: AsyncConnection,
    page_id: str,
    days: PageDays,
    order: Sequence[str],
    groups: Groups,
    names: Mapping[str, Names],
    now: datetime,
    cache: BarsCache | None = None,
) -> dict[str, tuple[DayUptime, ...]]:
    """Each component's bars (in `order`); `names`: incident names per day, when any."""
    c = outages.c
    # Read before the summary: an outage closed in between is then seen twice, never missed.
    recent_query = _outage_rows(conn.dialect.name, or_(c.ended_at.is_(None), c.ended_at > days.cut))
    recent_rows = (await conn.execute(recent_query)).all()
    if cache is None:
        catalog = await _read_catalog(conn, page_id, None)
        closed = await _read_closed(conn, days, catalog.owners, groups)
    else:
        catalog, closed = await _held(conn, cache, page_id, days, groups)
    recent = _by_component(recent_rows, catalog.owners, groups, now.timestamp())
    since = _since(catalog.rows, groups)
    return {
        k: _bars(days, closed, recent.get(k), since.get(k), names.get(k, days.no_names), k)
        for k in order
    }


def _windows(days: PageDays, start: float) -> Sequence[Span]:
    # Most components were monitored before the first day shown: the page's own windows fit.
    if start <= days.windows[0][0]:
        return days.windows
    return [(max(lo, start), hi) for lo, hi in days.windows]


def _first_touched(windows: Sequence[Span], recent: _Spans | None) -> int:
    """The first day the outages open or ended today reach back to (today when none).

    Every day before it ended before any of them began: what covers it is the closed
    outages alone, the same seconds added in the same order, so its bar is the kept one.
    """
    last = len(windows) - 1
    starts = [lo for lo, _ in recent.down + recent.degraded] if recent is not None else []
    if not starts:
        return last
    return min(last, bisect_right([hi for _, hi in windows], min(starts)))


def _closed_cells(
    days: PageDays,
    closed: _Closed,
    component_id: str,
    windows: Sequence[Span],
    start: float,
    names: Names,
) -> tuple[DayUptime, ...]:
    """The closed days' bars from the outages that ended before today: kept until they change."""
    key = (start, names[:-1])
    held = closed.cells.get(component_id)
    if held is None or held[0] != key:
        old = closed.spans.get(component_id, _Spans())
        cells = day_bars(
            days.days[:-1], windows[:-1], old.down, old.degraded, names[:-1], days.clean[:-1]
        )
        held = closed.cells[component_id] = (key, cells)
    return held[1]


def _bars(
    days: PageDays,
    closed: _Closed,
    recent: _Spans | None,
    start: float | None,
    names: Names,
    component_id: str,
) -> tuple[DayUptime, ...]:
    if start is None:
        return tuple(
            DayUptime(d, None, incident_names=n) for d, n in zip(days.days, names, strict=True)
        )
    windows = _windows(days, start)
    # Outages open or ended today can reach back into closed days: work out the days they
    # touch, with the closed outages too, and keep the bars of the days before.
    first = _first_touched(windows, recent)
    kept = _closed_cells(days, closed, component_id, windows, start, names) if first else ()
    down: Sequence[Span] = ()
    degraded: Sequence[Span] = ()
    if recent is not None:
        old = closed.spans.get(component_id, _Spans())
        down, degraded = old.down + recent.down, old.degraded + recent.degraded
    cells = day_bars(
        days.days[first:], windows[first:], down, degraded, names[first:], days.clean[first:]
    )
    return kept[:first] + cells
