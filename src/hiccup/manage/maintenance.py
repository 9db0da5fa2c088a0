"""Maintenance from the admin: schedule one-off or recurring windows, list, change, cancel."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hiccup.config.model import slugify
from hiccup.core.changes import describe_changes
from hiccup.core.timefmt import format_moment
from hiccup.manage.components import resolve_page, zone_problem
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import MaintenanceIn, MaintenanceOut, WindowOut
from hiccup.store import maintenance as store
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.tables import components, pages
from hiccup.store.tables_maintenance import (
    maintenance_components,
    maintenance_windows,
    maintenances,
)


async def _outs(conn: AsyncConnection, condition: Any) -> list[MaintenanceOut]:
    query = select(maintenances).where(condition).order_by(maintenances.c.start_local)
    rows = (await conn.execute(query)).mappings().all()
    ids = [r["id"] for r in rows]
    members: dict[str, list[str]] = defaultdict(list)
    query_members = select(maintenance_components).where(
        maintenance_components.c.maintenance_id.in_(ids)
    )
    for maintenance_id, component_id in await conn.execute(query_members):
        members[maintenance_id].append(component_id)
    windows: dict[str, list[WindowOut]] = defaultdict(list)
    w = maintenance_windows.c
    for row in (
        await conn.execute(
            select(maintenance_windows).where(w.maintenance_id.in_(ids)).order_by(w.scheduled_for)
        )
    ).mappings():
        windows[row["maintenance_id"]].append(
            WindowOut(
                id=row["id"],
                status=row["status"],
                scheduled_for=utc(row["scheduled_for"]),
                scheduled_until=utc(row["scheduled_until"]),
            )
        )
    return [
        MaintenanceOut.model_validate(
            {
                **r,
                # Answered with the zone's offset at that moment, never as a bare local time.
                "start_local": r["start_local"].replace(tzinfo=ZoneInfo(r["time_zone"])),
                "components": sorted(members[r["id"]]),
                "windows": windows[r["id"]],
            }
        )
        for r in rows
    ]


async def list_maintenance(ops: Ops) -> list[MaintenanceOut]:
    async with ops.engine.connect() as conn:
        return await _outs(conn, True)


async def get_maintenance(ops: Ops, maintenance_id: str) -> MaintenanceOut:
    async with ops.engine.connect() as conn:
        found = await _outs(conn, maintenances.c.id == maintenance_id)
    if not found:
        raise NotFound("maintenance")
    return found[0]


def _problems(data: MaintenanceIn, zone: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if (bad := zone_problem(zone)) is not None:
        problems["time_zone"] = bad
    if data.rrule:
        from dateutil.rrule import rrulestr  # only recurring windows need dateutil

        try:
            rrulestr(data.rrule, dtstart=datetime(2000, 1, 1))
        except (ValueError, TypeError) as error:
            problems["rrule"] = f"invalid RRULE: {error}"
    return problems


async def _unique_key(conn: AsyncConnection, page_id: str, name: str) -> str:
    base = slugify(name)[:90]
    query = select(maintenances.c.key).where(maintenances.c.page_id == page_id)
    taken = set((await conn.execute(query)).scalars())
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


async def _check_components(conn: AsyncConnection, page_id: str, ids: list[str]) -> None:
    query = select(components.c.id).where(components.c.id.in_(ids), components.c.page_id == page_id)
    found = set((await conn.execute(query)).scalars())
    missing = {
        f"components.{i}": "no such component on this page"
        for i, c in enumerate(ids)
        if c not in found
    }
    if missing:
        raise Invalid(missing)


async def _checked_values(
    conn: AsyncConnection, page_id: str, data: MaintenanceIn
) -> tuple[dict[str, Any], list[str]]:
    """The definition's columns and its components, or Invalid naming each bad field."""
    page_zone = (
        await conn.execute(select(pages.c.time_zone).where(pages.c.id == page_id))
    ).scalar_one()
    zone = data.time_zone or page_zone
    if problems := _problems(data, zone):
        raise Invalid(problems)
    components_ = list(dict.fromkeys(data.components))
    await _check_components(conn, page_id, components_)
    start = data.start
    if start.tzinfo is not None:
        start = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    values = {
        "name": data.name,
        "message": data.message,
        "time_zone": zone,
        "start_local": start,
        "duration_s": data.duration_s,
        "rrule": data.rrule or None,
        "remind_before_s": data.remind_before_s,
    }
    return values, components_


async def schedule(ops: Ops, actor: Actor, data: MaintenanceIn) -> MaintenanceOut:
    async with change(ops, actor) as c:
        page_id = await resolve_page(c.conn, ops, data.page_id)
        values, components_ = await _checked_values(c.conn, page_id, data)
        key = await _unique_key(c.conn, page_id, data.name)
        maintenance_id = await store.create_definition(
            c.conn, page_id, key, values, components_, c.now
        )
        await c.audit("maintenance.schedule", f"maintenance {key}", data.name)
        made = await _outs(c.conn, maintenances.c.id == maintenance_id)
    ops.wake_maintenance()
    return made[0]


async def _editable(conn: AsyncConnection, maintenance_id: str) -> Any:
    query = select(maintenances).where(maintenances.c.id == maintenance_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("maintenance")
    if row["declared"]:
        raise Conflict("declared_in_config", "this maintenance is declared in the config file")
    return row


async def reschedule(
    ops: Ops, actor: Actor, maintenance_id: str, data: MaintenanceIn
) -> MaintenanceOut:
    """Change a maintenance: windows not yet started are made again (and announced as
    scheduled); one in progress takes the new duration, with an update saying when it ends."""
    async with change(ops, actor) as c:
        row = await _editable(c.conn, maintenance_id)
        values, components_ = await _checked_values(c.conn, row["page_id"], data)
        moved = await store.update_definition(c.conn, maintenance_id, values, components_, c.now)
        for window in moved:
            end = format_moment(window.window.end, values["time_zone"])
            body = f"This maintenance now ends at {end}."
            await store.post_maintenance_update(c.conn, window.id, window.status, body, c.now)
        summary = describe_changes(row, values)
        await c.audit("maintenance.reschedule", f"maintenance {row['key']}", summary)
        made = await _outs(c.conn, maintenances.c.id == maintenance_id)
    ops.wake_maintenance()
    ops.refresh_public()
    return made[0]


async def cancel(ops: Ops, actor: Actor, maintenance_id: str) -> None:
    async with change(ops, actor) as c:
        row = await _editable(c.conn, maintenance_id)
        await store.delete_definition(c.conn, maintenance_id)
        await c.audit("maintenance.cancel", f"maintenance {row['key']}", row["name"])
    ops.wake_maintenance()
    ops.refresh_public()
