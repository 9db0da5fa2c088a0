"""Maintenance rows: sync from config, materialize windows, find what is due, post updates."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update

from hiccup.config.model import HiccupConfig, MaintenanceConfig
from hiccup.core.ids import new_id
from hiccup.core.maintenance import MaintenanceStatus, Schedule, Window, occurrences
from hiccup.core.uptime import Interval
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.tables import monitors, outages, pages
from hiccup.store.tables_maintenance import (
    maintenance_components,
    maintenance_updates,
    maintenance_window_components,
    maintenance_windows,
    maintenances,
)

HORIZON = timedelta(days=30)
ACTIVE = (MaintenanceStatus.IN_PROGRESS.value, MaintenanceStatus.VERIFYING.value)


@dataclass(frozen=True, slots=True)
class WindowRow:
    id: str
    name: str
    page_id: str
    status: MaintenanceStatus
    window: Window
    component_ids: tuple[str, ...]


def _definition_values(item: MaintenanceConfig, config: HiccupConfig) -> dict[str, Any]:
    return {
        "name": item.name,
        "message": item.message,
        "time_zone": item.zone(config.page),
        "start_local": item.start_local(config.page),
        "duration_s": item.duration.total_seconds(),
        "rrule": item.rrule,
        "remind_before_s": item.remind_before.total_seconds() if item.remind_before else None,
    }


async def _forget_scheduled(conn: AsyncConnection, maintenance_id: str) -> None:
    """A changed or removed definition loses its future windows; started ones are history."""
    await conn.execute(
        delete(maintenance_windows).where(
            maintenance_windows.c.maintenance_id == maintenance_id,
            maintenance_windows.c.status == MaintenanceStatus.SCHEDULED.value,
        )
    )


async def _set_components(
    conn: AsyncConnection, maintenance_id: str, component_ids: list[str]
) -> None:
    await conn.execute(
        delete(maintenance_components).where(
            maintenance_components.c.maintenance_id == maintenance_id
        )
    )
    rows = [{"maintenance_id": maintenance_id, "component_id": c} for c in component_ids]
    await conn.execute(insert(maintenance_components), rows)


async def sync_maintenance(
    conn: AsyncConnection,
    page_id: str,
    config: HiccupConfig,
    component_ids: dict[str, str],
    now: datetime,
) -> tuple[list[str], list[str], list[str]]:
    """Make declared maintenance definitions match the file; returns (created, updated, removed)."""
    query = select(maintenances).where(maintenances.c.page_id == page_id, maintenances.c.declared)
    existing = {r["key"]: r for r in (await conn.execute(query)).mappings()}
    created, updated = [], []
    for item in config.maintenance:
        values = _definition_values(item, config)
        targets = [component_ids[k] for k in item.components]
        row = existing.pop(item.slug, None)
        if row is None:
            maintenance_id = new_id()
            await conn.execute(
                insert(maintenances).values(
                    id=maintenance_id,
                    page_id=page_id,
                    key=item.slug,
                    declared=True,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            created.append(f"maintenance {item.slug}")
        else:
            maintenance_id = row["id"]
            if any(row[k] != v for k, v in values.items()):
                await conn.execute(
                    update(maintenances)
                    .where(maintenances.c.id == maintenance_id)
                    .values(updated_at=now, **values)
                )
                await _forget_scheduled(conn, maintenance_id)
                updated.append(f"maintenance {item.slug}")
        await _set_components(conn, maintenance_id, targets)
    for row in existing.values():
        await _forget_scheduled(conn, row["id"])
        await conn.execute(delete(maintenances).where(maintenances.c.id == row["id"]))
    return created, updated, [f"maintenance {key}" for key in existing]


def _schedule(row: Any) -> Schedule:
    return Schedule(
        row["start_local"], timedelta(seconds=row["duration_s"]), row["time_zone"], row["rrule"]
    )


async def materialize_definition(conn: AsyncConnection, row: Any, now: datetime) -> list[str]:
    """Create the windows of one definition (a row of `definitions`) that fall within the
    horizon; returns the new windows' ids."""
    known = set(
        (
            await conn.execute(
                select(maintenance_windows.c.scheduled_for).where(
                    maintenance_windows.c.maintenance_id == row["id"]
                )
            )
        ).scalars()
    )
    components = list(
        (
            await conn.execute(
                select(maintenance_components.c.component_id).where(
                    maintenance_components.c.maintenance_id == row["id"]
                )
            )
        ).scalars()
    )
    created = []
    for window in occurrences(_schedule(row), now, now + HORIZON):
        if window.start in known:
            continue
        window_id = new_id()
        remind = (
            window.start - timedelta(seconds=row["remind_before_s"])
            if row["remind_before_s"]
            else None
        )
        await conn.execute(
            insert(maintenance_windows).values(
                id=window_id,
                maintenance_id=row["id"],
                page_id=row["page_id"],
                name=row["name"],
                status=MaintenanceStatus.SCHEDULED.value,
                scheduled_for=window.start,
                scheduled_until=window.end,
                remind_at=remind,
                created_at=now,
                updated_at=now,
            )
        )
        if components:
            await conn.execute(
                insert(maintenance_window_components),
                [{"window_id": window_id, "component_id": c} for c in components],
            )
        created.append(window_id)
    return created


async def definitions(conn: AsyncConnection) -> list[Any]:
    return list((await conn.execute(select(maintenances))).mappings().all())


async def _window_rows(conn: AsyncConnection, condition: Any) -> list[WindowRow]:
    rows = (
        (
            await conn.execute(
                select(maintenance_windows)
                .where(condition)
                .order_by(maintenance_windows.c.scheduled_for)
            )
        )
        .mappings()
        .all()
    )
    ids = [r["id"] for r in rows]
    members: dict[str, list[str]] = {i: [] for i in ids}
    for window_id, component_id in await conn.execute(
        select(maintenance_window_components).where(
            maintenance_window_components.c.window_id.in_(ids)
        )
    ):
        members[window_id].append(component_id)
    return [
        WindowRow(
            r["id"],
            r["name"],
            r["page_id"],
            MaintenanceStatus(r["status"]),
            Window(utc(r["scheduled_for"]), utc(r["scheduled_until"])),
            tuple(members[r["id"]]),
        )
        for r in rows
    ]


async def due_starts(conn: AsyncConnection, now: datetime) -> list[WindowRow]:
    c = maintenance_windows.c
    return await _window_rows(
        conn, (c.status == MaintenanceStatus.SCHEDULED.value) & (c.scheduled_for <= now)
    )


async def due_completions(conn: AsyncConnection, now: datetime) -> list[WindowRow]:
    c = maintenance_windows.c
    return await _window_rows(conn, c.status.in_(ACTIVE) & (c.scheduled_until <= now))


async def due_reminders(conn: AsyncConnection, now: datetime) -> list[WindowRow]:
    c = maintenance_windows.c
    condition = (
        (c.status == MaintenanceStatus.SCHEDULED.value)
        & (c.remind_at <= now)
        & c.reminded_at.is_(None)
    )
    return await _window_rows(conn, condition & (c.scheduled_for > now))


async def next_deadline(
    conn: AsyncConnection,
    *,
    not_starting: Collection[str] = (),
    not_ending: Collection[str] = (),
    not_reminding: Collection[str] = (),
) -> datetime | None:
    """The earliest moment a window starts, ends or needs a reminder: the worker sleeps until it.
    The windows named failed that step; they are retried on the worker's regular wake-up, as
    their deadline, already past, would otherwise wake it at once, again and again."""
    c = maintenance_windows.c
    scheduled = c.status == MaintenanceStatus.SCHEDULED.value
    candidates = [
        select(c.scheduled_for)
        .where(scheduled, c.id.not_in(list(not_starting)))
        .order_by(c.scheduled_for)
        .limit(1),
        select(c.scheduled_until)
        .where(c.status.in_(ACTIVE), c.id.not_in(list(not_ending)))
        .order_by(c.scheduled_until)
        .limit(1),
        select(c.remind_at)
        .where(scheduled, c.reminded_at.is_(None), c.remind_at.is_not(None))
        .where(c.id.not_in(list(not_reminding)))
        .order_by(c.remind_at)
        .limit(1),
    ]
    found = [utc_or_none((await conn.execute(q)).scalar()) for q in candidates]
    return min((f for f in found if f is not None), default=None)


_UNDER_MAINTENANCE = (
    select(maintenance_window_components.c.component_id)
    .join(
        maintenance_windows,
        maintenance_windows.c.id == maintenance_window_components.c.window_id,
    )
    .where(
        maintenance_windows.c.status.in_(ACTIVE),
        maintenance_window_components.c.component_id.in_(bindparam("b_ids", expanding=True)),
    )
)


async def components_under_maintenance(
    conn: AsyncConnection, component_ids: Iterable[str]
) -> set[str]:
    # Built once: the status service asks for every transition it applies.
    found = await conn.execute(_UNDER_MAINTENANCE, {"b_ids": list(component_ids)})
    return set(found.scalars())


async def set_status(
    conn: AsyncConnection, window_id: str, status: MaintenanceStatus, now: datetime, **extra: Any
) -> None:
    await conn.execute(
        update(maintenance_windows)
        .where(maintenance_windows.c.id == window_id)
        .values(status=status.value, updated_at=now, **extra)
    )


async def post_maintenance_update(
    conn: AsyncConnection, window_id: str, status: MaintenanceStatus, body: str, now: datetime
) -> str:
    update_id = new_id()
    await conn.execute(
        insert(maintenance_updates).values(
            id=update_id, window_id=window_id, status=status.value, body=body, created_at=now
        )
    )
    return update_id


async def down_intervals(
    conn: AsyncConnection, component_ids: Sequence[str], lo: datetime, hi: datetime
) -> list[Interval]:
    query = (
        select(outages.c.started_at, outages.c.ended_at)
        .join(monitors, monitors.c.id == outages.c.monitor_id)
        .where(
            monitors.c.component_id.in_(list(component_ids)),
            outages.c.state == "down",
            outages.c.before_reached.is_(False),  # a check never reached: not public
            outages.c.started_at < hi,
            or_(outages.c.ended_at.is_(None), outages.c.ended_at > lo),
        )
    )
    return [Interval(utc(s), utc_or_none(e)) for s, e in await conn.execute(query)]


async def windows_between(
    conn: AsyncConnection, component_ids: Sequence[str], lo: datetime, hi: datetime
) -> list[Interval]:
    """Maintenance windows touching these components within [lo, hi): for SLA exclusions."""
    c = maintenance_windows.c
    query = (
        select(c.scheduled_for, c.scheduled_until)
        .join(maintenance_window_components, maintenance_window_components.c.window_id == c.id)
        .where(
            maintenance_window_components.c.component_id.in_(list(component_ids)),
            c.scheduled_for < hi,
            c.scheduled_until > lo,
        )
        .distinct()
    )
    return [Interval(utc(s), utc(e)) for s, e in await conn.execute(query)]


async def windows_by_id(conn: AsyncConnection, window_ids: Sequence[str]) -> list[WindowRow]:
    return await _window_rows(conn, maintenance_windows.c.id.in_(list(window_ids)))


async def message_of(conn: AsyncConnection, window_id: str) -> str:
    query = (
        select(maintenances.c.message)
        .join(maintenance_windows, maintenance_windows.c.maintenance_id == maintenances.c.id)
        .where(maintenance_windows.c.id == window_id)
    )
    return str((await conn.execute(query)).scalar() or "")


async def mark_reminded(conn: AsyncConnection, window_id: str, now: datetime) -> None:
    query = update(maintenance_windows).where(maintenance_windows.c.id == window_id)
    await conn.execute(query.values(reminded_at=now, updated_at=now))


async def page_zones(conn: AsyncConnection) -> dict[str, str]:
    rows = await conn.execute(select(pages.c.id, pages.c.time_zone))
    return {str(row.id): str(row.time_zone) for row in rows}


async def create_definition(
    conn: AsyncConnection,
    page_id: str,
    key: str,
    values: dict[str, Any],
    component_ids: list[str],
    now: datetime,
) -> str:
    """A definition made in the admin (declared=False, so the config sync leaves it alone).
    `values`: name, message, time_zone, start_local, duration_s, rrule, remind_before_s.
    Its windows appear on the maintenance worker's next pass: wake it after the commit."""
    maintenance_id = new_id()
    await conn.execute(
        insert(maintenances).values(
            id=maintenance_id,
            page_id=page_id,
            key=key,
            declared=False,
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    await _set_components(conn, maintenance_id, component_ids)
    return maintenance_id


async def delete_definition(conn: AsyncConnection, maintenance_id: str) -> None:
    """Future windows go; a window already started finishes and stays in the history."""
    await _forget_scheduled(conn, maintenance_id)
    await conn.execute(delete(maintenances).where(maintenances.c.id == maintenance_id))


async def update_definition(
    conn: AsyncConnection,
    maintenance_id: str,
    values: dict[str, Any],
    component_ids: list[str],
    now: datetime,
) -> list[WindowRow]:
    """Rescheduled in the admin. Windows not yet started are dropped and made again from the
    new values on the worker's next pass (wake it); a window in progress keeps its start and
    components and takes the new duration, so an overrunning maintenance can be extended.
    Returns the windows in progress whose end moved."""
    await conn.execute(
        update(maintenances)
        .where(maintenances.c.id == maintenance_id)
        .values(updated_at=now, **values)
    )
    await _set_components(conn, maintenance_id, component_ids)
    await _forget_scheduled(conn, maintenance_id)
    w = maintenance_windows.c
    running = await _window_rows(
        conn,
        (w.maintenance_id == maintenance_id) & w.status.in_(ACTIVE),
    )
    span = timedelta(seconds=values["duration_s"])
    moved = [
        replace(row, name=values["name"], window=Window(row.window.start, row.window.start + span))
        for row in running
        if row.window.end != row.window.start + span
    ]
    for row in moved:
        await conn.execute(
            update(maintenance_windows)
            .where(w.id == row.id)
            .values(scheduled_until=row.window.end, name=row.name, updated_at=now)
        )
    return moved
