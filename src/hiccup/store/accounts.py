"""Users, browser sessions and one-time setup links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from hiccup.auth.roles import Role
from hiccup.auth.secrets import digest, new_secret
from hiccup.core.ids import new_id
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.tables_accounts import sessions, setup_tokens, users

SESSION_LIFETIME = timedelta(days=14)
# A half-finished login (password given, TOTP code not yet) expires quickly.
MFA_LIFETIME = timedelta(minutes=5)
SETUP_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    role: Role
    password_hash: str
    totp_secret: str | None
    totp_enabled: bool
    totp_last_step: int | None
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str
    stage: str  # "mfa" until the second factor is given, then "full"


def _user(row: Any) -> User:
    return User(
        row["id"],
        row["name"],
        Role(row["role"]),
        row["password_hash"],
        row["totp_secret"],
        bool(row["totp_enabled"]),
        row["totp_last_step"],
        bool(row["disabled"]),
        utc(row["created_at"]),
    )


async def create_user(
    conn: AsyncConnection, name: str, role: Role, password_hash: str, now: datetime
) -> str:
    user_id = new_id()
    await conn.execute(
        insert(users).values(
            id=user_id,
            name=name,
            role=role.value,
            password_hash=password_hash,
            totp_enabled=False,
            disabled=False,
            created_at=now,
            updated_at=now,
        )
    )
    return user_id


async def _one(conn: AsyncConnection, condition: Any) -> User | None:
    row = (await conn.execute(select(users).where(condition))).mappings().first()
    return None if row is None else _user(row)


async def user_by_name(conn: AsyncConnection, name: str) -> User | None:
    return await _one(conn, users.c.name == name)


async def user_by_id(conn: AsyncConnection, user_id: str) -> User | None:
    return await _one(conn, users.c.id == user_id)


async def list_users(conn: AsyncConnection) -> list[User]:
    rows = (await conn.execute(select(users).order_by(users.c.name))).mappings()
    return [_user(r) for r in rows]


async def count_users(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(users))).scalar_one())


async def count_active_owners(conn: AsyncConnection) -> int:
    query = select(func.count()).where(
        users.c.role == Role.OWNER.value, users.c.disabled.is_(False)
    )
    return int((await conn.execute(query)).scalar_one())


async def update_user(conn: AsyncConnection, user_id: str, now: datetime, **values: Any) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(updated_at=now, **values))


async def delete_user(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(delete(users).where(users.c.id == user_id))


async def record_totp_step(conn: AsyncConnection, user_id: str, step: int) -> bool:
    """Claim a TOTP step; False if it (or a later one) was used already (a replay race)."""
    result = await conn.execute(
        update(users)
        .where(
            users.c.id == user_id,
            (users.c.totp_last_step.is_(None)) | (users.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return result.rowcount == 1


async def create_session(
    conn: AsyncConnection, user_id: str, stage: str, now: datetime, address: str
) -> str:
    """Returns the cookie value; only its hash is stored."""
    token = new_secret()
    lifetime = MFA_LIFETIME if stage == "mfa" else SESSION_LIFETIME
    await conn.execute(
        insert(sessions).values(
            id_hash=digest(token),
            user_id=user_id,
            csrf_token=new_secret(),
            stage=stage,
            created_at=now,
            expires_at=now + lifetime,
            address=address[:64],
        )
    )
    return token


async def session_for(conn: AsyncConnection, token: str, now: datetime) -> Session | None:
    query = (
        select(sessions.c.csrf_token, sessions.c.stage, users)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id_hash == digest(token), sessions.c.expires_at > now)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None or row["disabled"]:
        return None
    return Session(_user(row), row["csrf_token"], row["stage"])


async def end_session(conn: AsyncConnection, token: str) -> None:
    await conn.execute(delete(sessions).where(sessions.c.id_hash == digest(token)))


async def end_user_sessions(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(delete(sessions).where(sessions.c.user_id == user_id))


async def end_other_sessions(conn: AsyncConnection, user_id: str, keep: str) -> int:
    """End every session of the user but the one whose cookie is `keep`; returns how many."""
    result = await conn.execute(
        delete(sessions).where(sessions.c.user_id == user_id, sessions.c.id_hash != digest(keep))
    )
    return result.rowcount or 0


async def prune_sessions(conn: AsyncConnection, now: datetime) -> int:
    """Delete the sessions that have expired; returns how many."""
    result = await conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
    return result.rowcount or 0


async def create_setup_token(conn: AsyncConnection, now: datetime) -> str:
    token = new_secret()
    await conn.execute(
        insert(setup_tokens).values(
            token_hash=digest(token), created_at=now, expires_at=now + SETUP_LIFETIME
        )
    )
    return token


async def setup_token_valid(conn: AsyncConnection, token: str, now: datetime) -> bool:
    query = select(setup_tokens.c.token_hash).where(
        setup_tokens.c.token_hash == digest(token),
        setup_tokens.c.used_at.is_(None),
        setup_tokens.c.expires_at > now,
    )
    return (await conn.execute(query)).first() is not None


async def use_setup_token(conn: AsyncConnection, token: str, now: datetime) -> bool:
    """Spend the link; exactly one of two racing requests wins."""
    result = await conn.execute(
        update(setup_tokens)
        .where(
            setup_tokens.c.token_hash == digest(token),
            setup_tokens.c.used_at.is_(None),
            setup_tokens.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1
