"""Maintenance windows tell subscribers through the same outbox as incidents."""

from __future__ import annotations

from datetime import datetime

from hiccup.notify.notices import Notice, NoticeKind, enqueue_notice
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.maintenance import WindowRow

_KINDS = {
    "scheduled": NoticeKind.MAINTENANCE_SCHEDULED,
    "reminder": NoticeKind.MAINTENANCE_REMINDER,
    "started": NoticeKind.MAINTENANCE_STARTED,
    "completed": NoticeKind.MAINTENANCE_COMPLETED,
}


async def maintenance_notice(
    conn: AsyncConnection, window: WindowRow, phase: str, body: str, update_id: str, now: datetime
) -> None:
    """The maintenance worker's notice hook: one notice per window phase, queued atomically."""
    notice = Notice(
        kind=_KINDS[phase],
        page_id=window.page_id,
        title=window.name,
        body=body,
        component_ids=window.component_ids,
        maintenance_id=window.id,
        update_id=update_id,
        starts_at=window.window.start,
        ends_at=window.window.end,
        created_at=now,
    )
    await enqueue_notice(conn, notice, now)
