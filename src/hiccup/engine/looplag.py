"""How late the event loop runs: Hiccup's own health, so its lag is never blamed on a target.

A task sleeps `tick` seconds over and over; when it wakes later than asked, the loop was
stalled (a blocking call, a CPU-bound burst, an overloaded process) for that long. Stalls are
kept as monotonic spans so a finished check can ask how long the loop was stalled while it ran.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

# Timer wake-ups are routinely a few milliseconds late on a busy loop; only more is a stall.
STALL_FLOOR = 0.02


class LoopLag:
    def __init__(
        self,
        # A stall is seen when a tick falls inside it, so every stall longer than this is; the
        # ones that matter last at least min(max_lateness, timeout / 2). Ten ticks a second were
        # a third of an idle server's own CPU.
        tick: float = 0.25,
        *,
        mono_clock: Callable[[], float] = time.monotonic,
        keep: int = 4096,
    ) -> None:
        self._tick = tick
        self._mono = mono_clock
        self._stalls: deque[tuple[float, float]] = deque(maxlen=keep)
        self._due: float | None = None  # when the sleeping tick should wake; None: not running
        self.worst = 0.0  # longest stall seen, seconds

    async def run(self) -> None:
        try:
            while True:
                self._due = self._mono() + self._tick
                await asyncio.sleep(self._tick)
                self._note(self._due, self._mono())
        finally:
            self._due = None

    def _note(self, due: float, woke: float) -> None:
        if woke - due > STALL_FLOOR:
            self._stalls.append((due, woke))
            self.worst = max(self.worst, woke - due)

    def stalled(self, start: float, end: float) -> float:
        """Seconds within [start, end] the loop was stalled, counting a stall still going on.

        A check that ends right after a stall may run before the ticking task has noticed it;
        the overdue tick covers that case.
        """
        total = 0.0
        if self._due is not None and end - self._due > STALL_FLOOR:
            total += _overlap(self._due, end, start, end)
        for due, woke in reversed(self._stalls):
            if woke <= start:
                break
            total += _overlap(due, woke, start, end)
        return total


def _overlap(a: float, b: float, lo: float, hi: float) -> float:
    return max(0.0, min(b, hi) - max(a, lo))
