"""Logging in: password, then TOTP when enrolled; throttled per account and per address.

Failures are counted in the database, so a restart does not reset an attacker's budget.
The same message answers a wrong name and a wrong password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from hiccup.auth.passwords import hash_password, password_problem, verify_password
from hiccup.auth.recovery import code_hash, normal
from hiccup.auth.roles import Role
from hiccup.auth.throttle import ACCOUNT_RULE, ADDRESS_RULE
from hiccup.auth.totp import accepted_step
from hiccup.manage.context import Ops
from hiccup.manage.errors import Conflict, Invalid
from hiccup.store import accounts, audit, recovery_codes, throttle
from hiccup.store.asyncio_engine import AsyncConnection

WRONG = "wrong name or password"
NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    session: str | None = None  # the new session's cookie value
    needs_totp: bool = False
    error: str | None = None
    locked_until: datetime | None = None


def _keys(name: str, address: str) -> list[tuple[str, object]]:
    return [(f"account:{name.lower()}", ACCOUNT_RULE), (f"address:{address}", ADDRESS_RULE)]


async def _locked(conn: AsyncConnection, name: str, address: str, now: datetime) -> datetime | None:
    found = [await throttle.locked_until(conn, key, now) for key, _ in _keys(name, address)]
    return max((f for f in found if f is not None), default=None)


async def _fail(ops: Ops, name: str, address: str, now: datetime, action: str) -> LoginOutcome:
    async with ops.engine.begin() as conn:
        until = None
        for key, rule in _keys(name, address):
            locked = await throttle.record_failure(conn, key, rule, now)  # type: ignore[arg-type]
            until = max(until, locked) if until and locked else (until or locked)
        await audit.record(conn, now, name[:64], action, f"user {name[:64]}", "", address)
    message = "too many attempts; try again later" if until else WRONG
    return LoginOutcome(error=message, locked_until=until)


async def password_step(ops: Ops, name: str, password: str, address: str) -> LoginOutcome:
    now = ops.clock.now()
    async with ops.engine.connect() as conn:
        until = await _locked(conn, name, address, now)
        user = None if until else await accounts.user_by_name(conn, name)
    if until is not None:
        return LoginOutcome(error="too many attempts; try again later", locked_until=until)
    ok = await verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        return await _fail(ops, name, address, now, "login.failed")
    async with ops.engine.begin() as conn:
        stage = "mfa" if user.totp_enabled else "full"
        if stage == "full":
            await throttle.clear(conn, _keys(name, address)[0][0])
        # With TOTP the counter stays until the code is right too: a wrong code counts toward
        # the account's lockout, and the right password must not wipe those failures.
        session = await accounts.create_session(conn, user.id, stage, now, address)
        if stage == "full":
            await audit.record(conn, now, user.name, "login", f"user {user.name}", "", address)
    return LoginOutcome(session=session, needs_totp=stage == "mfa")


async def totp_step(ops: Ops, pending: str, code: str, address: str) -> LoginOutcome:
    """Second step: the pending session from the password step plus a fresh code."""
    now = ops.clock.now()
    async with ops.engine.connect() as conn:
        session = await accounts.session_for(conn, pending, now)
    if session is None or session.stage != "mfa" or session.user.totp_secret is None:
        return LoginOutcome(error="the login expired; start again")
    user, secret = session.user, session.user.totp_secret
    async with ops.engine.connect() as conn:
        until = await _locked(conn, user.name, address, now)
    if until is not None:
        return LoginOutcome(error="too many attempts; try again later", locked_until=until)
    async with ops.engine.begin() as conn:
        how = await _second_factor(conn, user.id, secret, code, now, user.totp_last_step)
        if how is not None:
            await accounts.end_session(conn, pending)
            await throttle.clear(conn, _keys(user.name, address)[0][0])
            full = await accounts.create_session(conn, user.id, "full", now, address)
            await audit.record(conn, now, user.name, "login", f"user {user.name}", how, address)
            return LoginOutcome(session=full)
    failed = await _fail(ops, user.name, address, now, "login.totp_failed")
    return LoginOutcome(
        error=failed.error if failed.locked_until else "wrong code",
        locked_until=failed.locked_until,
    )


async def _second_factor(
    conn: AsyncConnection,
    user_id: str,
    secret: str,
    code: str,
    now: datetime,
    last_step: int | None,
) -> str | None:
    """'totp' or 'recovery code' if the code is accepted (and now used up), else None."""
    recovery = normal(code)
    if recovery is not None:
        used = await recovery_codes.use_code(conn, user_id, code_hash(recovery), now)
        return "recovery code" if used else None
    step = accepted_step(secret, code, now, last_step)
    if step is not None and await accounts.record_totp_step(conn, user_id, step):
        return "totp"
    return None


async def logout(ops: Ops, session: str) -> None:
    async with ops.engine.begin() as conn:
        await accounts.end_session(conn, session)


async def announce_setup(ops: Ops) -> str | None:
    """With no users yet, a one-time setup link's secret (else None)."""
    async with ops.engine.begin() as conn:
        if await accounts.count_users(conn):
            return None
        return await accounts.create_setup_token(conn, ops.clock.now())


async def setup_owner(ops: Ops, token: str, name: str, password: str, address: str) -> str:
    """Create the first owner through the setup link; returns a session for them."""
    if (problem := password_problem(password)) is not None:
        raise Invalid({"password": problem})
    if not NAME.fullmatch(name):
        raise Invalid({"name": "1 to 64 letters, digits or . _ @ -"})
    hashed = await hash_password(password)
    now = ops.clock.now()
    async with ops.engine.begin() as conn:
        if await accounts.count_users(conn) or not await accounts.use_setup_token(conn, token, now):
            raise Conflict("setup_done", "this setup link was used or has expired")
        user_id = await accounts.create_user(conn, name, Role.OWNER, hashed, now)
        await audit.record(conn, now, name, "user.create", f"user {name}", "owner (setup)", address)
        return await accounts.create_session(conn, user_id, "full", now, address)
