"""Start-up without its database: retried in the background with full-jitter backoff while the
page is served; a hanging database does not hold the page; other errors fail loudly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hiccup.core.backoff import RetryPolicy
from hiccup.server.startup import STARTUP_RETRY, start_or_retry

# The schedule's shape is STARTUP_RETRY's; these tests retry at once instead of sleeping.
AT_ONCE = RetryPolicy(base=timedelta(0), cap=timedelta(0))


class Starter:
    def __init__(self, *outcomes: BaseException | float | None) -> None:
        self.outcomes = list(outcomes)  # an error to raise, seconds to hang, or None: started
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, float):
            await asyncio.sleep(outcome)


def test_retry_delay_is_full_jitter_up_to_a_minute() -> None:
    ceilings = [STARTUP_RETRY.ceiling(n).total_seconds() for n in range(1, 9)]
    assert ceilings == [1, 2, 4, 8, 16, 32, 60, 60]
    assert STARTUP_RETRY.ceiling(50) == timedelta(seconds=60)


async def test_a_reachable_database_starts_in_the_foreground() -> None:
    starter = Starter(None)
    assert await start_or_retry(starter, serving=False) is None
    assert starter.calls == 1


async def test_an_unreachable_database_is_retried_in_the_background() -> None:
    starter = Starter(ConnectionRefusedError(), ConnectionRefusedError(), None)
    task = await start_or_retry(starter, serving=False, policy=AT_ONCE)
    assert task is not None
    await asyncio.wait_for(task, 10)
    assert starter.calls == 3


async def test_a_hanging_database_does_not_hold_a_page_that_can_be_served() -> None:
    starter = Starter(0.5)
    task = await start_or_retry(starter, serving=True, patience=0.05)
    assert task is not None
    assert not task.done()  # the page answers meanwhile
    await asyncio.wait_for(task, 10)
    assert starter.calls == 1  # the first attempt finished: not started twice


async def test_a_broken_config_on_a_cold_start_fails_loudly() -> None:
    with pytest.raises(ValueError, match="bad"):
        await start_or_retry(Starter(ValueError("bad")), serving=False)
