"""Everything operator alerts are decided from, read in a few queries: rules, enabled channels,
monitors with their page, dependencies and triggered states. The alert spool keeps a copy in
memory so it can decide an alert while the database is away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

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


def _monitors_query() -> Any:
    return select(
        monitors.c.id,
        monitors.c.key,
        monitors.c.name,
        monitors.c.kind,
        monitors.c.target,
        monitors.c.interval_s,
        monitors.c.timeout_s,
        monitors.c.failure_threshold,
        components.c.key.label("component_key"),
        components.c.name.label("component_name"),
        pages.c.name.label("page_name"),
        pages.c.url.label("page_url"),
        pages.c.time_zone,
    ).select_from(
        monitors.outerjoin(components, components.c.id == monitors.c.component_id).outerjoin(
            pages, pages.c.id == components.c.page_id
        )
    )


async def load_alert_rows(conn: AsyncConnection) -> AlertRows:
    channel_columns = (
        notify_channels.c.id,
        notify_channels.c.key,
        notify_channels.c.kind,
        notify_channels.c.target,
        notify_channels.c.options,
    )
    page = select(
        pages.c.name.label("page_name"), pages.c.url.label("page_url"), pages.c.time_zone
    ).order_by(pages.c.created_at)
    first = await _rows(conn, page.limit(1))
    deps = select(monitor_dependencies.c.monitor_id, monitor_dependencies.c.parent_id)
    return AlertRows(
        rules=await _rows(
            conn, select(alert_rules).where(alert_rules.c.enabled).order_by(alert_rules.c.key)
        ),
        channels=await _rows(
            conn, select(*channel_columns).where(notify_channels.c.enabled).order_by("key")
        ),
        monitors=await _rows(conn, _monitors_query()),
        first_page=first[0] if first else None,
        parents={row["monitor_id"]: row["parent_id"] for row in await _rows(conn, deps)},
        states=await _rows(conn, select(alert_states)),
    )
