"""Builds a page's PublicState in a handful of queries: the input of every public rendering."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hiccup.core.bars import Span, day_bars, quiet
from hiccup.core.incidents import IncidentStatus
from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.public import (
    AffectedComponent,
    DayUptime,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    PublicPage,
    PublicState,
    PublicUpdate,
)
from hiccup.core.status import (
    ComponentStatus,
    IncidentImpact,
    indicator_description,
    page_indicator,
)
from hiccup.core.uptime import day_bounds
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.history_read import epoch_seconds
from hiccup.store.tables import (
    components,
    incident_components,
    incident_updates,
    incidents,
    monitors,
    outages,
    pages,
)
from hiccup.store.tables_maintenance import (
    maintenance_updates,
    maintenance_window_components,
    maintenance_windows,
)

RECENT_INCIDENTS = 50


class PageNotFound(LookupError):
    pass


def _page(row: Any) -> PublicPage:
    return PublicPage(
        row["id"], row["slug"], row["name"], row["url"], row["time_zone"], utc(row["updated_at"])
    )


def _days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=count - 1 - i) for i in range(count)]


Bounds = Sequence[tuple[datetime, datetime]]


@dataclass(frozen=True, slots=True)
class _Days:
    """The page's days, computed once for all its components."""

    days: Sequence[date]
    bounds: Bounds
    windows: Sequence[Span]  # the same bounds in epoch seconds, today ending now
    clean: Sequence[DayUptime]  # see hiccup.core.bars.quiet


def _bars(span: _Days, history: _History, component_id: str) -> tuple[DayUptime, ...]:
    """One component's daily bars in one sweep over its intervals (not one scan per day)."""
    days, since = span.days, history.since.get(component_id)
    names = history.names_per_day(component_id, span.bounds)
    if since is None:
        return tuple(DayUptime(d, None, incident_names=n) for d, n in zip(days, names, strict=True))
    start = since.timestamp()
    # Most components were monitored before the first day shown: the page's own windows fit.
    windows = (
        span.windows
        if start <= span.windows[0][0]
        else [(max(lo, start), hi) for lo, hi in span.windows]
    )
    down, degraded = history.down[component_id], history.degraded[component_id]
    return day_bars(days, windows, down, degraded, names, span.clean)


class _History:
    """Per-component outage intervals and monitoring start, for the uptime bars."""

    def __init__(self) -> None:
        # Spans in float epoch seconds (see hiccup.core.bars); an ongoing one ends now.
        self.down: dict[str, list[Span]] = defaultdict(list)
        self.degraded: dict[str, list[Span]] = defaultdict(list)
        self.since: dict[str, datetime] = {}
        self.incidents: dict[str, list[tuple[datetime, datetime | None, str]]] = defaultdict(list)

    def absorb_members(self, group_id: str, member_ids: Iterable[str]) -> None:
        for member in member_ids:
            self.down[group_id] += self.down[member]
            self.degraded[group_id] += self.degraded[member]
            if member in self.since:
                self.since[group_id] = min(
                    self.since.get(group_id, self.since[member]), self.since[member]
                )
            self.incidents[group_id] += self.incidents[member]

    def names_per_day(self, component_id: str, bounds: Bounds) -> list[tuple[str, ...]]:
        if not self.incidents[component_id]:
            return [()] * len(bounds)
        return [self.names_on(component_id, lo, hi) for lo, hi in bounds]

    def names_on(self, component_id: str, lo: datetime, hi: datetime) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                n for s, e, n in self.incidents[component_id] if s < hi and (e is None or e > lo)
            )
        )


async def _load_history(
    conn: AsyncConnection, page_id: str, lo: datetime, now: datetime
) -> _History:
    history = _History()
    monitor_rows = await conn.execute(
        select(monitors.c.id, monitors.c.component_id, monitors.c.created_at)
        .join(components, components.c.id == monitors.c.component_id)
        .where(components.c.page_id == page_id)
    )
    owner: dict[str, str] = {}
    for monitor_id, component_id, created_at in monitor_rows:
        owner[monitor_id] = component_id
        first = utc(created_at)
        history.since[component_id] = min(history.since.get(component_id, first), first)
    # Served by a covering index on (ended_at, ...) whatever the years of history behind it;
    # other pages' outages are skipped here rather than joined away in SQL.
    c, dialect = outages.c, conn.dialect.name
    rows = await conn.execute(
        select(
            c.monitor_id,
            c.state,
            epoch_seconds(c.started_at, dialect),
            epoch_seconds(c.ended_at, dialect),
        ).where(or_(c.ended_at.is_(None), c.ended_at > lo))
    )
    ongoing_end = now.timestamp()
    for monitor_id, state, started, ended in rows:
        component_id = owner.get(monitor_id)
        if component_id is not None:
            bucket = history.down if state == "down" else history.degraded
            bucket[component_id].append((started, ongoing_end if ended is None else ended))
    return history


def _component(row: Any, members: tuple[str, ...], days: tuple[DayUptime, ...]) -> PublicComponent:
    known = [d for d in days if d.uptime is not None]
    total = sum(d.uptime or 0.0 for d in known) / len(known) if known else None
    return PublicComponent(
        id=row["id"],
        name=row["name"],
        status=ComponentStatus(row["status"]),
        position=row["position"],
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
        description=row["description"],
        group_id=row["group_id"],
        is_group=row["is_group"],
        member_ids=members,
        days=days,
        uptime=total,
    )


async def _load_incidents(
    conn: AsyncConnection, page_id: str
) -> tuple[list[PublicIncident], list[PublicIncident]]:
    open_rows = (
        (
            await conn.execute(
                select(incidents)
                .where(incidents.c.page_id == page_id, incidents.c.resolved_at.is_(None))
                .order_by(incidents.c.started_at.desc())
            )
        )
        .mappings()
        .all()
    )
    recent_rows = (
        (
            await conn.execute(
                select(incidents)
                .where(incidents.c.page_id == page_id, incidents.c.resolved_at.is_not(None))
                .order_by(incidents.c.resolved_at.desc())
                .limit(RECENT_INCIDENTS)
            )
        )
        .mappings()
        .all()
    )
    ids = [r["id"] for r in (*open_rows, *recent_rows)]
    updates: dict[str, list[PublicUpdate]] = defaultdict(list)
    for u in (
        await conn.execute(
            select(incident_updates)
            .where(incident_updates.c.incident_id.in_(ids))
            .order_by(incident_updates.c.created_at.desc(), incident_updates.c.id)
        )
    ).mappings():
        affected = tuple(
            AffectedComponent(
                a["id"],
                a["name"],
                ComponentStatus(a["old_status"]),
                ComponentStatus(a["new_status"]),
            )
            for a in u["affected"] or []
        )
        updates[u["incident_id"]].append(
            PublicUpdate(
                u["id"],
                IncidentStatus(u["status"]),
                u["body"],
                utc(u["created_at"]),
                utc(u["display_at"]),
                affected,
            )
        )
    linked: dict[str, list[str]] = defaultdict(list)
    for incident_id, component_id in await conn.execute(
        select(incident_components).where(incident_components.c.incident_id.in_(ids))
    ):
        linked[incident_id].append(component_id)

    def build(row: Any) -> PublicIncident:
        return PublicIncident(
            id=row["id"],
            name=row["name"],
            status=IncidentStatus(row["status"]),
            impact=IncidentImpact(row["impact"]),
            created_at=utc(row["created_at"]),
            updated_at=utc(row["updated_at"]),
            started_at=utc(row["started_at"]),
            monitoring_at=utc_or_none(row["monitoring_at"]),
            resolved_at=utc_or_none(row["resolved_at"]),
            component_ids=tuple(linked[row["id"]]),
            updates=tuple(updates[row["id"]]),
            postmortem=row["postmortem"],
        )

    return [build(r) for r in open_rows], [build(r) for r in recent_rows]


RECENT_MAINTENANCE = 20


def _maintenance(row: Any, members: list[str], updates: list[PublicUpdate]) -> PublicMaintenance:
    return PublicMaintenance(
        id=row["id"],
        name=row["name"],
        status=MaintenanceStatus(row["status"]),
        scheduled_for=utc(row["scheduled_for"]),
        scheduled_until=utc(row["scheduled_until"]),
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
        started_at=utc_or_none(row["started_at"]),
        completed_at=utc_or_none(row["completed_at"]),
        downtime_seconds=row["downtime_s"],
        component_ids=tuple(members),
        updates=tuple(updates),
    )


async def _load_maintenances(conn: AsyncConnection, page_id: str) -> list[PublicMaintenance]:
    """Active and upcoming windows, and the most recent completed ones."""
    w = maintenance_windows.c
    done = MaintenanceStatus.COMPLETED.value
    live = select(maintenance_windows).where(w.page_id == page_id, w.status != done)
    past = (
        select(maintenance_windows)
        .where(w.page_id == page_id, w.status == done)
        .order_by(w.scheduled_for.desc())
        .limit(RECENT_MAINTENANCE)
    )
    rows = [*(await conn.execute(live)).mappings().all(), *(await conn.execute(past)).mappings()]
    ids = [r["id"] for r in rows]
    members: dict[str, list[str]] = defaultdict(list)
    links = select(maintenance_window_components).where(
        maintenance_window_components.c.window_id.in_(ids)
    )
    for window_id, component_id in await conn.execute(links):
        members[window_id].append(component_id)
    updates: dict[str, list[PublicUpdate]] = defaultdict(list)
    u = maintenance_updates.c
    query = select(maintenance_updates).where(u.window_id.in_(ids)).order_by(u.created_at.desc())
    for row in (await conn.execute(query)).mappings():
        at = utc(row["created_at"])
        status = MaintenanceStatus(row["status"])
        updates[row["window_id"]].append(PublicUpdate(row["id"], status, row["body"], at, at))
    return [_maintenance(r, members[r["id"]], updates[r["id"]]) for r in rows]


def _attach_incidents(history: _History, found: Iterable[PublicIncident]) -> None:
    for incident in found:
        for component_id in incident.component_ids:
            history.incidents[component_id].append(
                (incident.started_at, incident.resolved_at, incident.name)
            )


async def read_public_state(
    conn: AsyncConnection,
    slug: str,
    now: datetime,
    *,
    time_zone: str | None = None,
    history_days: int | None = None,
) -> PublicState:
    """time_zone, history_days: another page's, cut from this one (see hiccup.core.pages)."""
    page_row = (await conn.execute(select(pages).where(pages.c.slug == slug))).mappings().first()
    if page_row is None:
        raise PageNotFound(slug)
    page = _page(page_row)
    if time_zone is not None:
        page = replace(page, time_zone=time_zone)
    history_days = history_days or page_row["history_days"]
    days = _days(now.astimezone(ZoneInfo(page.time_zone)).date(), history_days)
    bounds = [day_bounds(d, page.time_zone) for d in days]
    history = await _load_history(conn, page.id, bounds[0][0], now)
    open_incidents, recent = await _load_incidents(conn, page.id)
    _attach_incidents(history, (*open_incidents, *recent))
    rows = (
        (
            await conn.execute(
                select(components)
                .where(components.c.page_id == page.id)
                .order_by(components.c.position)
            )
        )
        .mappings()
        .all()
    )
    members = defaultdict(list)
    for row in rows:
        if row["group_id"]:
            members[row["group_id"]].append(row["id"])
    for row in rows:
        if row["is_group"]:
            history.absorb_members(row["id"], members[row["id"]])
    windows = [(lo.timestamp(), min(hi, now).timestamp()) for lo, hi in bounds]
    span = _Days(days, bounds, windows, quiet(days))
    built = []
    for row in rows:
        bars = _bars(span, history, row["id"])
        built.append(_component(row, tuple(members[row["id"]]), bars))
    indicator = page_indicator([c.status for c in built], [i.impact for i in open_incidents])
    return PublicState(
        page=page,
        indicator=indicator,
        description=indicator_description(indicator),
        generated_at=now,
        components=tuple(built),
        open_incidents=tuple(open_incidents),
        recent_incidents=tuple(recent),
        history_days=history_days,
        maintenances=tuple(await _load_maintenances(conn, page.id)),
    )
