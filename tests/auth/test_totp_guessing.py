"""Guessing the second factor: a wrong TOTP code counts toward the account's lockout, and the
right password between guesses does not reset the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from hiccup.auth.roles import Role
from hiccup.core.clock import ManualClock
from hiccup.manage.context import Ops
from hiccup.manage.login import password_step, totp_step
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import PASSWORD, add_user

START = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)


async def test_wrong_codes_lock_the_account_after_five(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    ops = Ops(engine, clock)
    secret = pyotp.random_base32()
    await add_user(engine, "amy", Role.EDITOR, totp_secret=secret)
    near = {pyotp.TOTP(secret).at(START + timedelta(seconds=30 * k)) for k in range(-2, 4)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    for index in range(6):
        # A fresh address each time: only the account's counter can stop this guesser.
        address = f"10.0.0.{index + 1}"
        first = await password_step(ops, "amy", PASSWORD, address)
        assert first.session is not None
        guess = await totp_step(ops, first.session, wrong, address)
        assert guess.session is None
    assert guess.locked_until == START + timedelta(seconds=30)
    locked = await password_step(ops, "amy", PASSWORD, "10.0.0.99")
    assert locked.session is None
    assert locked.locked_until is not None
    clock.advance(timedelta(seconds=31))
    again = await password_step(ops, "amy", PASSWORD, "10.0.0.99")
    assert again.session is not None
    now_code = pyotp.TOTP(secret).at(clock.now())
    assert (await totp_step(ops, again.session, now_code, "10.0.0.99")).session is not None
    # The full login cleared the account: five more wrong codes are free again.
    for _ in range(5):
        pending = await password_step(ops, "amy", PASSWORD, "10.0.0.98")
        assert pending.session is not None
        assert (await totp_step(ops, pending.session, wrong, "10.0.0.98")).locked_until is None
