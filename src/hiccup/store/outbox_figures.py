"""How far the outbox is behind, per transport (email, webhook, apprise …), for /metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables_notify import outbox

PENDING = "pending"  # hiccup.notify.outbox.OutboxState.PENDING; the store imports no notify


@dataclass(frozen=True, slots=True)
class OutboxFigure:
    transport: str
    pending: int
    oldest: datetime  # when the oldest pending delivery was queued


async def outbox_figures(conn: AsyncConnection) -> list[OutboxFigure]:
    """One grouped query over the pending rows, which the due index already covers."""
    query = (
        select(outbox.c.transport, func.count(), func.min(outbox.c.created_at))
        .where(outbox.c.state == PENDING)
        .group_by(outbox.c.transport)
        .order_by(outbox.c.transport)
    )
    rows = (await conn.execute(query)).all()
    return [OutboxFigure(transport, count, oldest) for transport, count, oldest in rows]
