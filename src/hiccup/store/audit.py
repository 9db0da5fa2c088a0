"""The audit log: who changed what, written in the transaction of the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.tables_accounts import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    summary: str
    address: str


async def record(
    conn: AsyncConnection,
    now: datetime,
    actor: str,
    action: str,
    target: str = "",
    summary: str = "",
    address: str = "",
) -> None:
    await conn.execute(
        insert(audit_log).values(
            at=now,
            actor=actor[:120],
            action=action,
            target=target[:120],
            summary=summary[:500],
            address=address[:64],
        )
    )


async def entries(conn: AsyncConnection, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).offset(offset).limit(limit)
    rows = (await conn.execute(query)).mappings().all()
    total = (await conn.execute(select(func.count()).select_from(audit_log))).scalar_one()
    found = [
        AuditEntry(
            r["id"], utc(r["at"]), r["actor"], r["action"], r["target"], r["summary"], r["address"]
        )
        for r in rows
    ]
    return found, int(total)
