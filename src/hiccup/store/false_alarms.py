"""Automatic incidents and outages an operator marked false (a misconfigured monitor, a probe
fault): kept, with when, for the operator's record and the audit log, but left out of the
public page, its history and uptime (every public read filters `false_at`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.tables import incidents, monitors, outages


@dataclass(frozen=True, slots=True)
class MarkedIncident:
    id: str
    name: str
    component_id: str | None  # None: an operator's incident (not automatic)
    open: bool
    already_false: bool
    outages: int = 0  # outages marked false with it


async def mark_incident_false(
    conn: AsyncConnection, incident_id: str, now: datetime
) -> MarkedIncident | None:
    """Mark an automatic incident false, with the outages of its component's monitors in its
    window; None if there is no such incident. An operator's own incident is left as it is."""
    i = incidents.c
    query = select(i.name, i.auto_component_id, i.started_at, i.resolved_at, i.false_at)
    row = (await conn.execute(query.where(i.id == incident_id))).first()
    if row is None:
        return None
    name, component_id, started, resolved, false_at = row
    found = MarkedIncident(incident_id, name, component_id, resolved is None, false_at is not None)
    if component_id is None or found.already_false:
        return found
    await conn.execute(update(incidents).where(i.id == incident_id).values(false_at=now))
    count = await _mark_outages(conn, component_id, utc(started), utc_or_none(resolved), now)
    return MarkedIncident(incident_id, name, component_id, found.open, False, count)


async def _mark_outages(
    conn: AsyncConnection,
    component_id: str,
    started: datetime,
    ended: datetime | None,
    now: datetime,
) -> int:
    c = outages.c
    owned = select(monitors.c.id).where(monitors.c.component_id == component_id)
    touching: list[ColumnElement[bool]] = [c.monitor_id.in_(owned), c.false_at.is_(None)]
    touching.append(or_(c.ended_at.is_(None), c.ended_at > started))
    if ended is not None:
        touching.append(c.started_at < ended)
    marked = await conn.execute(update(outages).where(*touching).values(false_at=now))
    return int(marked.rowcount)


@dataclass(frozen=True, slots=True)
class OutageRow:
    id: int
    state: str
    started_at: datetime
    ended_at: datetime | None
    false_at: datetime | None


async def monitor_outages(conn: AsyncConnection, monitor_id: str, limit: int) -> list[OutageRow]:
    """The monitor's confirmed outages and degradations, newest first."""
    c = outages.c
    query = (
        select(c.id, c.state, c.started_at, c.ended_at, c.false_at)
        .where(c.monitor_id == monitor_id)
        .order_by(c.started_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [
        OutageRow(int(i), s, utc(start), utc_or_none(end), utc_or_none(false))
        for i, s, start, end, false in await conn.execute(query)
    ]


async def mark_outage_false(conn: AsyncConnection, outage_id: int, now: datetime) -> bool | None:
    """Mark one outage false (a blip that never became an incident, say); None if there is no
    such outage, False if it was marked already."""
    c = outages.c
    found = (await conn.execute(select(c.false_at).where(c.id == outage_id))).first()
    if found is None:
        return None
    if found[0] is not None:
        return False
    await conn.execute(update(outages).where(c.id == outage_id).values(false_at=now))
    return True
