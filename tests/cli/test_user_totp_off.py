"""`hiccup user totp-off NAME` as an operator runs it: TOTP and recovery codes gone, sessions
ended, and an unknown name is an error."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from hiccup.auth.recovery import code_hash, new_codes, normal
from hiccup.core.clock import SystemClock
from hiccup.store import accounts, recovery_codes
from hiccup.store.database import create_engine
from hiccup.store.tables_accounts import sessions, totp_recovery_codes
from tests.cli.test_accounts_cli import run


async def _enrol(url: str) -> None:
    engine = create_engine(url)
    try:
        now = SystemClock().now()
        async with engine.begin() as conn:
            user = await accounts.user_by_name(conn, "olga")
            assert user is not None
            await accounts.update_user(conn, user.id, now, totp_secret="A" * 32, totp_enabled=True)
            hashes = [code_hash(normal(c) or "") for c in new_codes()]
            await recovery_codes.replace_codes(conn, user.id, hashes, now)
            await accounts.create_session(conn, user.id, "full", now, "127.0.0.1")
    finally:
        await engine.dispose()


async def _left(url: str) -> tuple[bool, int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            user = await accounts.user_by_name(conn, "olga")
            assert user is not None
            codes = select(func.count()).select_from(totp_recovery_codes)
            open_sessions = select(func.count()).select_from(sessions)
            return (
                user.totp_enabled,
                int((await conn.execute(codes)).scalar_one()),
                int((await conn.execute(open_sessions)).scalar_one()),
            )
    finally:
        await engine.dispose()


def test_totp_off_clears_the_second_factor_and_the_sessions(tmp_path: Path) -> None:
    added = run(
        ["user", "add", "olga", "--role", "owner", "--password-stdin"],
        tmp_path,
        "a long enough secret\n",
    )
    assert added.returncode == 0, added.stderr
    url = f"sqlite:///{tmp_path / 'data' / 'hiccup.db'}"
    asyncio.run(_enrol(url))
    assert asyncio.run(_left(url)) == (True, 10, 1)
    done = run(["user", "totp-off", "olga"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "TOTP of olga is off" in done.stdout
    assert asyncio.run(_left(url)) == (False, 0, 0)
    unknown = run(["user", "totp-off", "bender"], tmp_path)
    assert unknown.returncode == 1
    assert "no user called 'bender'" in unknown.stderr
