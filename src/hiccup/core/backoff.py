"""When to try again after a failure: exponential backoff with full jitter, the one schedule
for every retry of ours (deliveries, probes calling the server, start-up without a database,
the change listener).

Full jitter (AWS architecture blog, "Exponential Backoff and Jitter") spreads the retries of
many clients that failed together: each draws its wait from [0, ceiling], and the ceiling
doubles with each failure up to the cap, so a receiver (a restarted server, a database back
from a split) is not hit by all of them in the same second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)

    def ceiling(self, attempts: int) -> timedelta:
        """The longest wait after `attempts` failed tries (1 = the first failure)."""
        exponent = min(max(attempts - 1, 0), 32)  # bounded: 2**32 × base is beyond any cap
        return min(self.cap, self.base * (1 << exponent))

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        ceiling = self.ceiling(attempts).total_seconds()
        return timedelta(seconds=(rng or random).uniform(0, ceiling))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


@dataclass(slots=True)
class Backoff:
    """A run of failures in a row under one policy: for loops that retry until they succeed
    (max_attempts is not used)."""

    policy: RetryPolicy
    rng: random.Random | None = None  # tests inject one; None is the module's generator
    attempts: int = field(default=0, init=False)  # failures in a row

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.attempts += 1
        return self.policy.delay(self.attempts, self.rng).total_seconds()

    def succeeded(self) -> bool:
        """Reset after a try that went through; True when it ended a run of failures."""
        recovered, self.attempts = self.attempts > 0, 0
        return recovered
