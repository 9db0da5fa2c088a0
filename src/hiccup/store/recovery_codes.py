"""TOTP recovery codes, stored as hashes; each can be used once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables_accounts import totp_recovery_codes as codes


async def replace_codes(
    conn: AsyncConnection, user_id: str, hashes: Sequence[str], now: datetime
) -> None:
    """The user's codes become exactly these (older ones, used or not, stop working)."""
    await conn.execute(delete(codes).where(codes.c.user_id == user_id))
    if hashes:
        rows = [{"user_id": user_id, "code_hash": h, "created_at": now} for h in hashes]
        await conn.execute(insert(codes), rows)


async def use_code(conn: AsyncConnection, user_id: str, hashed: str, now: datetime) -> bool:
    """Claim an unused code; False if it is not the user's or was used (also by a racing login)."""
    result = await conn.execute(
        update(codes)
        .where(codes.c.user_id == user_id, codes.c.code_hash == hashed, codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


async def codes_left(conn: AsyncConnection, user_id: str) -> int:
    query = select(func.count()).where(codes.c.user_id == user_id, codes.c.used_at.is_(None))
    return int((await conn.execute(query)).scalar_one())


async def drop_codes(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(delete(codes).where(codes.c.user_id == user_id))
