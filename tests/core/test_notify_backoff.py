"""Retries wait a random time up to an exponentially growing ceiling (full jitter)."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.backoff import RetryPolicy

POLICY = RetryPolicy(max_attempts=8, base=timedelta(seconds=5), cap=timedelta(minutes=10))


def test_the_ceiling_doubles_per_attempt_up_to_the_cap() -> None:
    ceilings = [POLICY.ceiling(n).total_seconds() for n in range(1, 10)]
    assert ceilings == [5, 10, 20, 40, 80, 160, 320, 600, 600]


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=0, max_value=2**32))
def test_a_delay_lies_between_zero_and_the_ceiling(attempts: int, seed: int) -> None:
    delay = POLICY.delay(attempts, random.Random(seed))
    assert timedelta(0) <= delay <= POLICY.ceiling(attempts)


def test_delays_of_messages_that_failed_together_are_spread_out() -> None:
    rng = random.Random(7)
    delays = {round(POLICY.delay(4, rng).total_seconds(), 3) for _ in range(200)}
    assert len(delays) > 150


def test_it_gives_up_after_the_last_attempt() -> None:
    assert not POLICY.exhausted(7)
    assert POLICY.exhausted(8)
