"""A count of database errors, for /metrics: every failed statement or connection attempt."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseErrors:
    """Counts what the engine itself saw fail, whoever ran it (recorder, workers, admin), so no
    caller has to remember to count. SQLAlchemy calls `handle_error` for failed connects too."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.total = 0
        self._engine = engine.sync_engine
        event.listen(self._engine, "handle_error", self._count)

    def _count(self, _context: ExceptionContext) -> None:
        self.total += 1

    def close(self) -> None:
        # One engine outlives many runtimes in tests: leave no listener behind.
        if event.contains(self._engine, "handle_error", self._count):
            event.remove(self._engine, "handle_error", self._count)
