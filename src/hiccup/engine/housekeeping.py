"""Housekeeping: deletes rows that have run out, so tables of short-lived things stay small.

Expired login sessions (14 days, or 5 minutes for a half-finished login) are refused when
read, but without this they would stay in the table for good. Deleting what has expired is
the same on every server, so with several servers each runs it (no lease needed).
"""

from __future__ import annotations

import asyncio
import logging

from hiccup.core.clock import Clock
from hiccup.store.accounts import prune_sessions
from hiccup.store.asyncio_engine import AsyncEngine

log = logging.getLogger(__name__)

EVERY_SECONDS = 3600.0


class Housekeeping:
    def __init__(self, engine: AsyncEngine, clock: Clock, every: float = EVERY_SECONDS) -> None:
        self._engine, self._clock, self.every = engine, clock, every

    async def run_pass(self) -> int:
        """Returns how many sessions were deleted."""
        async with self._engine.begin() as conn:
            return await prune_sessions(conn, self._clock.now())

    async def run(self) -> None:
        while True:
            try:
                pruned = await self.run_pass()
                if pruned:
                    log.debug("housekeeping: %d expired sessions deleted", pruned)
            except Exception:
                log.exception("housekeeping pass failed; retrying next pass")
            await asyncio.sleep(self.every)
