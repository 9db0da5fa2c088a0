"""Probes come back to a restarted server spread out: full jitter under a doubling cap."""

from __future__ import annotations

import random
from datetime import timedelta

from hiccup.core.backoff import Backoff, RetryPolicy
from hiccup.probe.agent import PROBE_RETRY


class Ceiling(random.Random):
    """Always draws the top of the range: the schedule's upper bound, made visible."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_the_waits_double_from_a_random_first_one_up_to_the_cap() -> None:
    policy = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=30))
    reconnect = Backoff(policy, Ceiling())
    assert [reconnect.failed() for _ in range(7)] == [2, 4, 8, 16, 30, 30, 30]


def test_every_wait_is_drawn_from_zero_to_its_ceiling() -> None:
    policy = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=30))
    reconnect = Backoff(policy, random.Random(7))
    for attempt in range(1, 40):
        ceiling = policy.ceiling(attempt).total_seconds()
        assert 0 <= reconnect.failed() <= ceiling <= 30


def test_probes_that_lost_the_server_together_do_not_return_in_the_same_second() -> None:
    probes = [Backoff(PROBE_RETRY, random.Random(seed)) for seed in range(200)]
    for _ in range(5):  # the server was away for five tries
        waits = [probe.failed() for probe in probes]
    ceiling = PROBE_RETRY.ceiling(5).total_seconds()
    by_second = [sum(1 for wait in waits if int(wait) == s) for s in range(int(ceiling) + 1)]
    assert max(by_second) < 200 * 0.1  # spread over the whole range, not a spike
    assert max(waits) > ceiling * 0.8


def test_a_success_starts_the_schedule_over() -> None:
    reconnect = Backoff(RetryPolicy(base=timedelta(seconds=1)), Ceiling())
    reconnect.failed()
    reconnect.failed()
    assert reconnect.succeeded() is True
    assert reconnect.succeeded() is False
    assert reconnect.failed() == 1
