"""How many times something happened lately: counts in one-minute buckets, the last ten kept.

A cumulative counter cannot tell an operator whether Hiccup is struggling now or struggled at
start-up an hour ago; a list of timestamps would grow with the very overload it counts.
"""

from __future__ import annotations

from collections import deque

BUCKET = 60.0  # seconds
KEPT = 10  # buckets: "in the last ten minutes"


class RecentCount:
    def __init__(self) -> None:
        self._buckets: deque[tuple[int, int]] = deque(maxlen=KEPT)  # (bucket number, count)
        self.total = 0

    def add(self, now: float, n: int = 1) -> None:
        number = int(now // BUCKET)
        if self._buckets and self._buckets[-1][0] == number:
            self._buckets[-1] = (number, self._buckets[-1][1] + n)
        else:
            self._buckets.append((number, n))
        self.total += n

    def last_minutes(self, now: float) -> int:
        """Counted in the current minute and the nine before it."""
        oldest = int(now // BUCKET) - KEPT + 1
        return sum(count for number, count in self._buckets if number >= oldest)
