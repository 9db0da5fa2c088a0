"""Login throttling rules: a few free failures, then lockouts that double up to a cap.

Counted per account and per client address separately, so one attacker cannot lock out a
user from everywhere without also being slowed down, and spraying many names from one
address is slowed by the address counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    free_failures: int
    first_lock: timedelta
    max_lock: timedelta

    def lock_for(self, failures: int) -> timedelta | None:
        """How long to lock after this many consecutive failures (None: not locked)."""
        over = failures - self.free_failures
        if over <= 0:
            return None
        span: timedelta = self.first_lock * (2 ** min(over - 1, 20))
        return min(span, self.max_lock)

    def locked_until(self, failures: int, now: datetime) -> datetime | None:
        span = self.lock_for(failures)
        return None if span is None else now + span


ACCOUNT_RULE = ThrottleRule(5, timedelta(seconds=30), timedelta(hours=1))
ADDRESS_RULE = ThrottleRule(20, timedelta(seconds=30), timedelta(hours=1))

# A private page's password (hiccup.web.public.guard): a client gets the free failures of an
# account, the page those of an address from all clients together, so many addresses guessing
# at once are slowed too.
PAGE_CLIENT_RULE = ACCOUNT_RULE
PAGE_RULE = ADDRESS_RULE
