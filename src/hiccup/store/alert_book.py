"""Everything operator alerts are decided from, read in a few queries: rules, enabled channels,
monitors with their page, dependencies and triggered states. The alert spool keeps a copy in
memory so it can decide an alert while the database is away."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, func, select

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components, monitors, pages
from hiccup.store.tables_notify import (
    alert_rules,
    alert_states,
    monitor_dependencies,
    notify_channels,
)


@dataclass(frozen=True, slots=True)
class AlertRows:
    rules: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    monitors: list[dict[str, Any]]
    first_page: dict[str, Any] | None
    parents: dict[str, str]  # child monitor id -> parent monitor id
    states: list[dict[str, Any]]


async def _rows(conn: AsyncConnection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in (await conn.execute(query)).mappings()]


# How alerts name a monitor: its component and page (a monitor on no component has none).
PAGE_PLACE = (pages.c.name.label("page_name"), pages.c.url.label("page_url"), pages.c.time_zone)
MONITOR_PLACE = (
    components.c.key.label("component_key"),
    components.c.name.label("component_name"),
    *PAGE_PLACE,
)
MONITORS_PLACED = monitors.outerjoin(
    components, components.c.id == monitors.c.component_id
).outerjoin(pages, pages.c.id == components.c.page_id)


def _monitors_query() -> Any:
    m = monitors.c
    timing = (m.interval_s, m.timeout_s, m.failure_threshold)
    return select(m.id, m.key, m.name, m.kind, m.target, *timing, *MONITOR_PLACE).select_from(
        MONITORS_PLACED
    )


@dataclass(frozen=True, slots=True)
class BookStamp:
    """How many rows each table the book is read from holds, and when one last changed: equal
    stamps mean an equal book. Every writer of those tables sets `updated_at` (rows deleted
    change the count); dependencies have no such column and are compared whole (a hash: this
    process only ever compares its own stamps)."""

    structure: tuple[object, ...]  # rules, channels, monitors, components, pages, dependencies
    states: tuple[object, ...]  # triggered alert states: these change with every alert


def _count_and_latest(table: Table) -> tuple[Any, Any]:
    count = select(func.count()).select_from(table).scalar_subquery()
    return count, select(func.max(table.c.updated_at)).scalar_subquery()


@cache
def _stamp_query() -> Any:
    # Built once: it runs every half minute on every server.
    structure = [
        part
        for table in (alert_rules, notify_channels, monitors, components, pages)
        for part in _count_and_latest(table)
    ]
    return select(*structure, *_count_and_latest(alert_states))


# What alerts are decided from, read by the book here and by each status transaction
# (hiccup.notify.alert_facts).
ENABLED_RULES = select(alert_rules).where(alert_rules.c.enabled).order_by(alert_rules.c.key)
DEPENDENCIES = select(monitor_dependencies.c.monitor_id, monitor_dependencies.c.parent_id).order_by(
    monitor_dependencies.c.monitor_id
)


async def load_book_stamp(conn: AsyncConnection) -> BookStamp:
    """In one query: comparing stamps costs a few milliseconds however many monitors there
    are; reading the book itself, a second at ten thousand monitors."""
    row = tuple((await conn.execute(_stamp_query())).one())
    dependencies = hash(tuple(tuple(pair) for pair in await conn.execute(DEPENDENCIES)))
    return BookStamp(structure=(*row[:-2], dependencies), states=row[-2:])


async def load_alert_states(conn: AsyncConnection) -> list[dict[str, Any]]:
    return await _rows(conn, select(alert_states))


async def load_alert_rows(conn: AsyncConnection) -> AlertRows:
    channel_columns = (
        notify_channels.c.id,
        notify_channels.c.key,
        notify_channels.c.kind,
        notify_channels.c.target,
        notify_channels.c.options,
    )
    page = select(*PAGE_PLACE).order_by(pages.c.created_at)
    first = await _rows(conn, page.limit(1))
    return AlertRows(
        rules=await _rows(conn, ENABLED_RULES),
        channels=await _rows(
            conn, select(*channel_columns).where(notify_channels.c.enabled).order_by("key")
        ),
        monitors=await _rows(conn, _monitors_query()),
        first_page=first[0] if first else None,
        parents={row["monitor_id"]: row["parent_id"] for row in await _rows(conn, DEPENDENCIES)},
        states=await load_alert_states(conn),
    )
