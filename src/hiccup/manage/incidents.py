"""Incidents from the admin: open, post updates through to resolved, write the postmortem."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from hiccup.core.incidents import IncidentStatus, can_move
from hiccup.core.public import AffectedComponent
from hiccup.core.status import ComponentStatus
from hiccup.manage.components import resolve_page
from hiccup.manage.context import Actor, Change, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import (
    ComponentStatusIn,
    FalseIn,
    IncidentComponentOut,
    IncidentIn,
    IncidentOut,
    IncidentUpdateIn,
    Paged,
    PostmortemIn,
    UpdateOut,
)
from hiccup.status.incidents import open_incident, post_update
from hiccup.status.service import refresh_component
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.false_alarms import mark_incident_false
from hiccup.store.operator_status import set_statuses, statuses_of
from hiccup.store.publication import remember as remember_trouble
from hiccup.store.tables import components, incident_components, incident_updates, incidents


def _summary(row: Any, parts: list[IncidentComponentOut], updates: list[UpdateOut]) -> IncidentOut:
    return IncidentOut(
        id=row["id"],
        page_id=row["page_id"],
        name=row["name"],
        status=row["status"],
        impact=row["impact"],
        automatic=row["auto_component_id"] is not None,
        started_at=utc(row["started_at"]),
        resolved_at=row["resolved_at"] and utc(row["resolved_at"]),
        postmortem=row["postmortem"],
        components=parts,
        updates=updates,
        false_at=row["false_at"] and utc(row["false_at"]),
    )


async def list_incidents(ops: Ops, state: str, page: int, per_page: int) -> Paged[IncidentOut]:
    condition: Any = True
    if state == "open":
        condition = incidents.c.resolved_at.is_(None)
    elif state == "resolved":
        condition = incidents.c.resolved_at.is_not(None)
    query = select(incidents).where(condition).order_by(incidents.c.started_at.desc())
    async with ops.engine.connect() as conn:
        rows = (await conn.execute(query.offset((page - 1) * per_page).limit(per_page))).mappings()
        items = [_summary(r, [], []) for r in rows]
        counted = select(func.count()).select_from(incidents).where(condition)
        total = int((await conn.execute(counted)).scalar_one())
    return Paged[IncidentOut](items=items, total=total, page=page, per_page=per_page)


async def _read(conn: AsyncConnection, incident_id: str) -> IncidentOut:
    row = (
        (await conn.execute(select(incidents).where(incidents.c.id == incident_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("incident")
    said = await statuses_of(conn, incident_id)
    query = (
        select(components.c.id, components.c.name)
        .join(incident_components, incident_components.c.component_id == components.c.id)
        .where(incident_components.c.incident_id == incident_id)
        .order_by(components.c.position)
    )
    # A resolved incident no longer sets any component's status (hiccup.store.operator_status),
    # so it reports none as current; what was said stays readable as last_status.
    current = row["resolved_at"] is None
    parts = [
        IncidentComponentOut(
            component_id=i,
            name=n,
            status=said.get(i) if current else None,
            last_status=said.get(i),
        )
        for i, n in await conn.execute(query)
    ]
    updates_query = (
        select(incident_updates)
        .where(incident_updates.c.incident_id == incident_id)
        .order_by(incident_updates.c.created_at.desc(), incident_updates.c.id)
    )
    updates = [
        UpdateOut(id=u["id"], status=u["status"], body=u["body"], created_at=utc(u["created_at"]))
        for u in (await conn.execute(updates_query)).mappings()
    ]
    return _summary(row, parts, updates)


async def get_incident(ops: Ops, incident_id: str) -> IncidentOut:
    async with ops.engine.connect() as conn:
        return await _read(conn, incident_id)


async def _affected(
    conn: AsyncConnection, page_id: str, wanted: Sequence[ComponentStatusIn]
) -> list[AffectedComponent]:
    ids = [w.component_id for w in wanted]
    query = select(components).where(components.c.id.in_(ids), components.c.page_id == page_id)
    rows = {r["id"]: r for r in (await conn.execute(query)).mappings()}
    missing = {
        f"components.{i}.component_id": "no such component on this page"
        for i, w in enumerate(wanted)
        if w.component_id not in rows
    }
    if len(set(ids)) != len(ids):
        missing["components"] = "a component is listed twice"
    if missing:
        raise Invalid(missing)
    return [
        AffectedComponent(
            w.component_id,
            rows[w.component_id]["name"],
            ComponentStatus(rows[w.component_id]["status"]),
            w.status,
        )
        for w in wanted
    ]


def _times(data: IncidentIn, now: datetime) -> tuple[datetime, datetime | None]:
    started = data.started_at or now
    problems = {}
    if started.tzinfo is None:
        problems["started_at"] = "give a time zone offset (e.g. 2024-05-22T16:10:00Z)"
    elif started > now:
        problems["started_at"] = "cannot be in the future"
    resolved = data.resolved_at
    if resolved is not None:
        if resolved.tzinfo is None:
            problems["resolved_at"] = "give a time zone offset"
        elif resolved > now:
            problems["resolved_at"] = "cannot be in the future"
        elif started.tzinfo is not None and resolved < started:
            problems["resolved_at"] = "must not be before started_at"
    if problems:
        raise Invalid(problems)
    return started, resolved


async def _refresh(c: Change, component_ids: Sequence[str], since: datetime) -> None:
    for component_id in component_ids:
        await refresh_component(c.conn, component_id, since, c.now)


async def open_manual(ops: Ops, actor: Actor, data: IncidentIn) -> IncidentOut:
    async with change(ops, actor) as c:
        started, resolved = _times(data, c.now)
        page_id = await resolve_page(c.conn, ops, data.page_id)
        affected = await _affected(c.conn, page_id, data.components)
        # A back-dated incident's first update is dated when it started; a past incident
        # recorded for history tells nobody.
        notify = data.notify and resolved is None
        incident_id = await open_incident(
            c.conn,
            page_id=page_id,
            name=data.name,
            impact=data.impact,
            body=data.message,
            started_at=started,
            now=started,
            component_ids=[a.id for a in affected],
            affected=affected,
            status=IncidentStatus(data.status),
            notify=notify,
        )
        await set_statuses(c.conn, incident_id, [(a.id, a.new_status) for a in affected])
        if resolved is not None:
            await post_update(
                c.conn,
                incident_id,
                IncidentStatus.RESOLVED,
                "Resolved.",
                resolved,
                resolved_at=resolved,
                notify=False,
            )
        await _refresh(c, [a.id for a in affected], started)
        await c.audit("incident.open", f"incident {incident_id}", data.name)
        opened = await _read(c.conn, incident_id)
    ops.refresh_public()
    return opened


async def post(ops: Ops, actor: Actor, incident_id: str, data: IncidentUpdateIn) -> IncidentOut:
    async with change(ops, actor) as c:
        current = await _read(c.conn, incident_id)
        target = IncidentStatus(data.status)
        if not can_move(current.status, target):
            raise Conflict(
                "invalid_transition",
                f"a {current.status.value} incident cannot move to {target.value}",
                {"status": f"not allowed after {current.status.value}"},
            )
        affected = await _affected(c.conn, current.page_id, data.components)
        await post_update(
            c.conn,
            incident_id,
            target,
            data.message,
            c.now,
            affected,
            impact=data.impact,
            notify=data.notify,
        )
        await set_statuses(c.conn, incident_id, [(a.id, a.new_status) for a in affected])
        await _link(c.conn, incident_id, [a.id for a in affected], current)
        every = {p.component_id for p in current.components} | {a.id for a in affected}
        await _refresh(c, sorted(every), c.now)
        await c.audit(f"incident.{target.value}", f"incident {incident_id}", data.message[:200])
        updated = await _read(c.conn, incident_id)
    ops.refresh_public()
    return updated


async def _link(
    conn: AsyncConnection, incident_id: str, component_ids: list[str], current: IncidentOut
) -> None:
    known = {p.component_id for p in current.components}
    new = [{"incident_id": incident_id, "component_id": c} for c in component_ids if c not in known]
    if new:
        await conn.execute(incident_components.insert(), new)


async def write_postmortem(
    ops: Ops, actor: Actor, incident_id: str, data: PostmortemIn
) -> IncidentOut:
    async with change(ops, actor) as c:
        current = await _read(c.conn, incident_id)
        if current.resolved_at is None:
            raise Conflict("not_resolved", "resolve the incident before publishing its postmortem")
        query = update(incidents).where(incidents.c.id == incident_id)
        await c.conn.execute(
            query.values(
                postmortem=data.body, status=IncidentStatus.POSTMORTEM.value, updated_at=c.now
            )
        )
        await c.audit("incident.postmortem", f"incident {incident_id}", current.name)
        written = await _read(c.conn, incident_id)
    ops.refresh_public()
    return written


async def mark_false(ops: Ops, actor: Actor, incident_id: str, data: FalseIn) -> IncidentOut:
    """An automatic incident that was no outage (misconfigured monitor, probe fault): off the
    page, its history and uptime, with the outages behind it; kept here and in the audit log.
    Marking it again changes nothing."""
    async with change(ops, actor) as c:
        marked = await mark_incident_false(c.conn, incident_id, c.now)
        if marked is None:
            raise NotFound("incident")
        if marked.component_id is None:
            raise Conflict("not_automatic", "only automatic incidents can be marked false")
        if not marked.already_false:
            if marked.open:
                # Resolved without telling anyone: subscribers hear nothing of a false alarm.
                body = f"Marked false. {data.reason}".strip()
                await post_update(
                    c.conn, incident_id, IncidentStatus.RESOLVED, body, c.now, notify=False
                )
                # The trouble it was about is done with: no deadline reopens it.
                await remember_trouble(c.conn, marked.component_id, None, None)
            summary = f"{marked.name} ({marked.outages} outages) {data.reason}".strip()
            await c.audit("incident.false", f"incident {incident_id}", summary[:200])
        marked_out = await _read(c.conn, incident_id)
    ops.refresh_public()
    return marked_out
