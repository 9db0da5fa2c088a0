"""Builds a page's PublicState in a handful of queries: the input of every public rendering."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from hiccup.core.bars import Spell, names_per_day, quiet
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
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.public_bars import BarsCache, Names, PageDays, read_bars
from hiccup.store.tables import (
    components,
    incident_components,
    incident_updates,
    incidents,
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


def _page_days(time_zone: str, count: int, now: datetime) -> PageDays:
    days = tuple(_days(now.astimezone(ZoneInfo(time_zone)).date(), count))
    bounds = tuple(day_bounds(d, time_zone) for d in days)
    windows = tuple((lo.timestamp(), min(hi, now).timestamp()) for lo, hi in bounds)
    return PageDays(time_zone, days, bounds, windows, tuple(quiet(days)), ((),) * count)


def _incident_names(
    found: Iterable[PublicIncident], groups: Mapping[str, tuple[str, ...]], days: PageDays
) -> dict[str, Names]:
    """Incident names per day of each component an incident touched (a group: its members')."""
    spells: dict[str, list[Spell]] = defaultdict(list)
    for incident in found:
        for component_id in incident.component_ids:
            spells[component_id].append((incident.started_at, incident.resolved_at, incident.name))
    for group_id, members in groups.items():
        for member in members:
            spells[group_id] += spells.get(member, [])
    return {k: names_per_day(v, days.bounds) for k, v in spells.items() if v}


def _component(row: Any, members: tuple[str, ...], days: tuple[DayUptime, ...]) -> PublicComponent:
    known = [d.uptime for d in days if d.uptime is not None]
    total = sum(known) / len(known) if known else None
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


def _affected(update: Any) -> tuple[AffectedComponent, ...]:
    return tuple(
        AffectedComponent(
            a["id"], a["name"], ComponentStatus(a["old_status"]), ComponentStatus(a["new_status"])
        )
        for a in update["affected"] or []
    )


async def _incident_updates(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, list[PublicUpdate]]:
    updates: dict[str, list[PublicUpdate]] = defaultdict(list)
    if not ids:  # no statement to run: each costs a round trip to the database
        return updates
    u = incident_updates.c
    query = select(incident_updates).where(u.incident_id.in_(ids))
    for row in (await conn.execute(query.order_by(u.created_at.desc(), u.id))).mappings():
        updates[row["incident_id"]].append(
            PublicUpdate(
                row["id"],
                IncidentStatus(row["status"]),
                row["body"],
                utc(row["created_at"]),
                utc(row["display_at"]),
                _affected(row),
            )
        )
    return updates


async def _links(
    conn: AsyncConnection, query: Select[Any], ids: Sequence[str]
) -> dict[str, list[str]]:
    """Each incident's or window's components, from `query` over (owner id, component id)."""
    linked: dict[str, list[str]] = defaultdict(list)
    if ids:
        for owner_id, component_id in await conn.execute(query):
            linked[owner_id].append(component_id)
    return linked


def _incident(row: Any, links: list[str], updates: list[PublicUpdate]) -> PublicIncident:
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
        component_ids=tuple(links),
        updates=tuple(updates),
        postmortem=row["postmortem"],
    )


async def _load_incidents(
    conn: AsyncConnection, page_id: str
) -> tuple[list[PublicIncident], list[PublicIncident]]:
    """The open incidents, newest first, and the last RECENT_INCIDENTS resolved."""
    i = incidents.c
    # Incidents marked false are the operator's record only (the admin and the audit log).
    shown = (i.page_id == page_id) & i.false_at.is_(None)
    live = select(incidents).where(shown, i.resolved_at.is_(None))
    past = (
        select(incidents)
        .where(shown, i.resolved_at.is_not(None))
        .order_by(i.resolved_at.desc())
        .limit(RECENT_INCIDENTS)
    )
    open_rows = (await conn.execute(live.order_by(i.started_at.desc()))).mappings().all()
    recent_rows = (await conn.execute(past)).mappings().all()
    ids = [r["id"] for r in (*open_rows, *recent_rows)]
    updates = await _incident_updates(conn, ids)
    ic = incident_components.c
    links = await _links(
        conn, select(ic.incident_id, ic.component_id).where(ic.incident_id.in_(ids)), ids
    )
    found = [
        [_incident(r, links[r["id"]], updates[r["id"]]) for r in rows]
        for rows in (open_rows, recent_rows)
    ]
    return found[0], found[1]


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
    mc = maintenance_window_components.c
    links = select(mc.window_id, mc.component_id).where(mc.window_id.in_(ids))
    members = await _links(conn, links, ids)
    updates: dict[str, list[PublicUpdate]] = defaultdict(list)
    u = maintenance_updates.c
    query = select(maintenance_updates).where(u.window_id.in_(ids)).order_by(u.created_at.desc())
    for row in (await conn.execute(query)).mappings() if ids else ():
        at = utc(row["created_at"])
        status = MaintenanceStatus(row["status"])
        updates[row["window_id"]].append(PublicUpdate(row["id"], status, row["body"], at, at))
    return [_maintenance(r, members[r["id"]], updates[r["id"]]) for r in rows]


async def _load_components(conn: AsyncConnection, page_id: str) -> Sequence[Any]:
    query = select(components).where(components.c.page_id == page_id)
    return (await conn.execute(query.order_by(components.c.position))).mappings().all()


def _members(rows: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["group_id"]:
            members[row["group_id"]].append(row["id"])
    return {k: tuple(v) for k, v in members.items()}


async def read_public_state(
    conn: AsyncConnection,
    slug: str,
    now: datetime,
    *,
    time_zone: str | None = None,
    history_days: int | None = None,
    bars: BarsCache | None = None,
) -> PublicState:
    """time_zone, history_days: another page's, cut from this one (see hiccup.core.pages).

    bars: the closed days' bars kept since the last call (see hiccup.store.public_bars).
    """
    page_row = (await conn.execute(select(pages).where(pages.c.slug == slug))).mappings().first()
    if page_row is None:
        raise PageNotFound(slug)
    page = _page(page_row)
    if time_zone is not None:
        page = replace(page, time_zone=time_zone)
    history_days = history_days or page_row["history_days"]
    days = _page_days(page.time_zone, history_days, now)
    open_incidents, recent = await _load_incidents(conn, page.id)
    rows = await _load_components(conn, page.id)
    members = _members(rows)
    groups = {r["id"]: members.get(r["id"], ()) for r in rows if r["is_group"]}
    names = _incident_names((*open_incidents, *recent), groups, days)
    order = [r["id"] for r in rows]
    found = await read_bars(conn, page.id, days, order, groups, names, now, bars)
    built = [_component(r, members.get(r["id"], ()), found[r["id"]]) for r in rows]
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
