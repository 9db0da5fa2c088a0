"""API tokens: shown once, stored as a SHA-256 hash, scoped, revocable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update

from hiccup.auth.roles import Scope
from hiccup.auth.secrets import digest, new_secret
from hiccup.core.ids import new_id
from hiccup.store.accounts import User, _user
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.tables_accounts import api_tokens, users

TOKEN_PREFIX = "hcp_"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    user_id: str
    user_name: str
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None = None  # None: until revoked


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        row["id"],
        row["user_id"],
        row["user_name"],
        row["name"],
        row["prefix"],
        tuple(Scope(s) for s in row["scopes"]),
        utc(row["created_at"]),
        utc_or_none(row["last_used_at"]),
        utc_or_none(row["expires_at"]),
    )


async def create_token(
    conn: AsyncConnection,
    user_id: str,
    name: str,
    scopes: list[Scope],
    now: datetime,
    expires_at: datetime | None = None,
) -> tuple[str, str]:
    """Returns (token id, the secret): the secret is never readable again."""
    token_id, secret = new_id(), new_secret(TOKEN_PREFIX)
    await conn.execute(
        insert(api_tokens).values(
            id=token_id,
            user_id=user_id,
            name=name,
            prefix=secret[:10],
            token_hash=digest(secret),
            scopes=[s.value for s in scopes],
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token_id, secret


_LISTED = select(api_tokens, users.c.name.label("user_name")).join(
    users, users.c.id == api_tokens.c.user_id
)


async def list_tokens(conn: AsyncConnection) -> list[TokenInfo]:
    query = _LISTED.where(api_tokens.c.revoked_at.is_(None)).order_by(api_tokens.c.created_at)
    return [_info(r) for r in (await conn.execute(query)).mappings()]


async def token_by_id(conn: AsyncConnection, token_id: str) -> TokenInfo | None:
    query = _LISTED.where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _info(row)


async def revoke_token(conn: AsyncConnection, token_id: str, now: datetime) -> bool:
    result = await conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


async def token_owner(
    conn: AsyncConnection, secret: str, now: datetime
) -> tuple[User, TokenInfo] | None:
    query = (
        select(users, api_tokens.c.id.label("token_id"), api_tokens.c.name.label("token_name"))
        .add_columns(api_tokens.c.prefix, api_tokens.c.scopes, api_tokens.c.last_used_at)
        .add_columns(api_tokens.c.created_at.label("token_created_at"))
        .add_columns(api_tokens.c.expires_at.label("token_expires_at"))
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(
            api_tokens.c.token_hash == digest(secret),
            api_tokens.c.revoked_at.is_(None),
            or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > now),
        )
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None or row["disabled"]:
        return None
    await conn.execute(
        update(api_tokens).where(api_tokens.c.id == row["token_id"]).values(last_used_at=now)
    )
    info = TokenInfo(
        row["token_id"],
        row["id"],
        row["name"],
        row["token_name"],
        row["prefix"],
        tuple(Scope(s) for s in row["scopes"]),
        utc(row["token_created_at"]),
        now,
        utc_or_none(row["token_expires_at"]),
    )
    return _user(row), info
