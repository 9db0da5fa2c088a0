"""Login throttling: a few free failures, then lockouts that double, per account and per
address, kept in the database so a restart does not reset them; TOTP codes are single use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from hiccup.auth.roles import Role
from hiccup.core.clock import ManualClock
from hiccup.manage.context import Ops
from hiccup.manage.login import password_step, totp_step
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import PASSWORD, add_user, client_for, login_csrf, running

START = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)


async def _fail(ops: Ops, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        outcome = await password_step(ops, "amy", "wrong password!", address)
        assert outcome.session is None


async def test_it_locks_the_account_after_five_failures_with_doubling_lockouts(
    engine: AsyncEngine,
) -> None:
    clock = ManualClock(START)
    ops = Ops(engine, clock)
    await add_user(engine, "amy", Role.EDITOR)
    await _fail(ops, 5)
    await _fail(ops, 1)  # the sixth failure locks for 30 s
    locked = await password_step(ops, "amy", PASSWORD, "10.0.0.2")
    assert locked.session is None
    assert locked.locked_until == START + timedelta(seconds=30)
    clock.advance(timedelta(seconds=31))
    await _fail(ops, 1)  # the next failure locks twice as long
    again = await password_step(ops, "amy", PASSWORD, "10.0.0.3")
    assert again.session is None
    assert again.locked_until is not None
    assert again.locked_until - clock.now() == timedelta(seconds=60)


async def test_a_lockout_survives_a_restart(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    await add_user(engine, "amy", Role.EDITOR)
    await _fail(Ops(engine, clock), 6)
    restarted = Ops(engine, ManualClock(START + timedelta(seconds=5)))
    outcome = await password_step(restarted, "amy", PASSWORD, "10.0.0.9")
    assert outcome.session is None
    assert outcome.locked_until is not None


async def test_a_success_resets_the_account_counter(engine: AsyncEngine) -> None:
    ops = Ops(engine, ManualClock(START))
    await add_user(engine, "amy", Role.EDITOR)
    await _fail(ops, 5)
    assert (await password_step(ops, "amy", PASSWORD, "10.0.0.1")).session is not None
    await _fail(ops, 5)
    assert (await password_step(ops, "amy", PASSWORD, "10.0.0.1")).session is not None


async def test_one_address_guessing_many_names_is_locked_out(engine: AsyncEngine) -> None:
    ops = Ops(engine, ManualClock(START))
    await add_user(engine, "amy", Role.EDITOR)
    for index in range(21):
        await password_step(ops, f"nobody{index}", "wrong password!", "10.6.6.6")
    outcome = await password_step(ops, "amy", PASSWORD, "10.6.6.6")
    assert outcome.session is None
    assert outcome.locked_until is not None
    elsewhere = await password_step(ops, "amy", PASSWORD, "10.0.0.1")
    assert elsewhere.session is not None


async def test_a_totp_code_is_accepted_once(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    ops = Ops(engine, clock)
    secret = pyotp.random_base32()
    await add_user(engine, "amy", Role.EDITOR, totp_secret=secret)
    code = pyotp.TOTP(secret).at(START)
    first = await password_step(ops, "amy", PASSWORD, "10.0.0.1")
    assert first.needs_totp
    assert first.session is not None
    wrong = "000000" if code != "000000" else "111111"
    assert (await totp_step(ops, first.session, wrong, "10.0.0.1")).session is None
    assert (await totp_step(ops, first.session, code, "10.0.0.1")).session is not None
    second = await password_step(ops, "amy", PASSWORD, "10.0.0.1")
    assert second.session is not None
    replay = await totp_step(ops, second.session, code, "10.0.0.1")
    assert replay.session is None


async def test_a_locked_login_answers_429_with_retry_after(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "amy", Role.EDITOR)
        answer = None
        for _ in range(6):
            form = await client.get("/admin/login")
            data = {
                "name": "amy",
                "password": "wrong password!",
                "login_csrf": login_csrf(form.text),
            }
            answer = await client.post("/admin/login", data=data)
        assert answer is not None
        assert answer.status_code == 429
        assert int(answer.headers["retry-after"]) > 0
        assert "too many attempts" in answer.text
