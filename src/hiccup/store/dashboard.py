"""The admin dashboard's monitor list: one page of rows, filtered and counted with indexes.

At 10,000 monitors the first page must come back well under a second, so the page is cut in
SQL (ORDER BY name with LIMIT uses ix_monitors_name; other orders are computed per monitor,
see hiccup.store.dashboard_sort) and tags are read for that page only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.dashboard_sort import SortKey, ordering
from hiccup.store.tables import components, monitor_states, monitors
from hiccup.store.tables_accounts import monitor_tags


@dataclass(frozen=True, slots=True)
class MonitorQuery:
    search: str = ""
    status: str | None = None  # up | degraded | down | unknown | paused
    tag: str | None = None
    component_id: str | None = None
    page: int = 1
    per_page: int = 50
    sort: SortKey = SortKey.NAME
    descending: bool = False


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select[Any], spec: MonitorQuery) -> Select[Any]:
    if spec.search:
        pattern = f"%{_escape_like(spec.search.lower())}%"
        query = query.where(
            or_(
                func.lower(monitors.c.name).like(pattern, escape="\\"),
                monitors.c.key.like(pattern, escape="\\"),
                func.lower(monitors.c.target).like(pattern, escape="\\"),
            )
        )
    if spec.status == "paused":
        query = query.where(monitors.c.enabled.is_(False))
    elif spec.status == "unknown":
        query = query.where(
            monitors.c.enabled.is_(True),
            or_(monitor_states.c.state.is_(None), monitor_states.c.state == "unknown"),
        )
    elif spec.status:
        query = query.where(monitors.c.enabled.is_(True), monitor_states.c.state == spec.status)
    if spec.tag:
        tagged = select(monitor_tags.c.monitor_id).where(monitor_tags.c.tag == spec.tag)
        query = query.where(monitors.c.id.in_(tagged))
    if spec.component_id:
        query = query.where(monitors.c.component_id == spec.component_id)
    return query


def _joined(query: Select[Any]) -> Select[Any]:
    return query.outerjoin(monitor_states, monitor_states.c.monitor_id == monitors.c.id).outerjoin(
        components, components.c.id == monitors.c.component_id
    )


async def monitor_page(
    conn: AsyncConnection, spec: MonitorQuery, now: datetime
) -> tuple[list[Any], int]:
    """One page of monitor rows (with state and component name) in the spec's order, and
    the filtered total; `now` is where the 24 h uptime's window ends."""
    columns = select(
        monitors,
        monitor_states.c.state,
        monitor_states.c.last_result_at,
        components.c.name.label("component_name"),
    )
    query = _filtered(_joined(columns.select_from(monitors)), spec)
    query = query.order_by(*ordering(spec.sort, spec.descending, conn.dialect.name, now))
    query = query.offset((spec.page - 1) * spec.per_page).limit(spec.per_page)
    rows = (await conn.execute(query)).mappings().all()
    counted = _filtered(_joined(select(func.count()).select_from(monitors)), spec)
    total = int((await conn.execute(counted)).scalar_one())
    return list(rows), total
