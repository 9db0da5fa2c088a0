"""Failure counters and lockouts kept in memory, for the public hot path.

The public page never waits on the database, so a private page's wrong passwords are counted
here, per process, with the same doubling lockouts as the admin login (hiccup.auth.throttle).
A restart forgets them; several servers each count their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hiccup.auth.throttle import ThrottleRule
from hiccup.core.clock import Clock, SystemClock

# A key quiet this long starts over: yesterday's typo does not count against today's reader.
FORGET_AFTER = timedelta(days=1)
# Past this many keys the quiet ones go, then the oldest: many addresses must not fill memory.
MAX_KEYS = 10_000


@dataclass(slots=True)
class _Count:
    failures: int
    locked_until: datetime | None
    last: datetime


class MemoryThrottle:
    def __init__(self, clock: Clock | None = None, max_keys: int = MAX_KEYS) -> None:
        self.clock: Clock = clock or SystemClock()
        self.max_keys = max_keys
        self._counts: dict[str, _Count] = {}

    def __len__(self) -> int:
        return len(self._counts)

    def locked_until(self, keys: list[str], now: datetime) -> datetime | None:
        """The latest lock's end among these keys, if any is locked now."""
        ends = [c.locked_until for k in keys if (c := self._counts.get(k)) and c.locked_until]
        latest = max(ends, default=None)
        return latest if latest is not None and latest > now else None

    def record_failure(self, key: str, rule: ThrottleRule, now: datetime) -> datetime | None:
        """Count one more failure; returns the new lock's end, if this failure locks."""
        count = self._counts.pop(key, None)
        failures = 1 if count is None or count.last + FORGET_AFTER <= now else count.failures + 1
        until = rule.locked_until(failures, now)
        # Re-inserted, so the dict's order is the order of last failures (oldest first).
        self._counts[key] = _Count(failures, until, now)
        if len(self._counts) > self.max_keys:
            self._shrink(now)
        return until

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    def _shrink(self, now: datetime) -> None:
        for key in [k for k, c in self._counts.items() if c.last + FORGET_AFTER <= now]:
            del self._counts[key]
        if len(self._counts) > self.max_keys:
            for key in list(self._counts)[: len(self._counts) - self.max_keys // 2]:
                del self._counts[key]
