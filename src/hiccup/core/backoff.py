"""When to try a failed delivery again: exponential backoff with full jitter.

Full jitter (AWS architecture blog, "Exponential Backoff and Jitter") spreads the retries of
many messages that failed together, so a receiver that comes back is not hit by all of them at
once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
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
