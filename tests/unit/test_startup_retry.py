"""Start-up without its database: retried in the background with full-jitter backoff while the
page is served; a hanging database does not hold the page; other errors fail loudly."""

from __future__ import annotations

import asyncio

import pytest

from hiccup.server.startup import MAX_RETRY, retry_delay, start_or_retry


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
    assert [retry_delay(n, lambda: 1.0) for n in range(8)] == [1, 2, 4, 8, 16, 32, MAX_RETRY, 60]
    assert retry_delay(50, lambda: 1.0) == MAX_RETRY
    assert retry_delay(5, lambda: 0.0) == 0.0


async def test_a_reachable_database_starts_in_the_foreground() -> None:
    starter = Starter(None)
    assert await start_or_retry(starter, serving=False) is None
    assert starter.calls == 1


async def test_an_unreachable_database_is_retried_in_the_background() -> None:
    starter = Starter(ConnectionRefusedError(), ConnectionRefusedError(), None)
    task = await start_or_retry(starter, serving=False)
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
