"""A count of database errors, for /metrics: every failed statement or connection attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry

from hiccup.store.asyncio_engine import AsyncEngine


class DatabaseErrors:
    """Counts what the engine itself saw fail, whoever ran it (recorder, workers, admin), so no
    caller has to remember to count."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.total = 0
        self._engine = engine.sync_engine
        event.listen(self._engine, "handle_error", self._statement_failed)
        event.listen(self._engine, "do_connect", self._connect)

    def _statement_failed(self, context: ExceptionContext) -> None:
        if context.connection is not None:  # failed connects are counted by _connect
            self.total += 1

    def _connect(
        self, dialect: Dialect, _record: ConnectionPoolEntry, cargs: Any, cparams: Any
    ) -> Any:
        # A refused or unreachable server raises OSError straight from the driver, which
        # SQLAlchemy neither wraps nor reports to handle_error: count it here, then connect
        # exactly as the dialect would have.
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception:
            self.total += 1
            raise

    def close(self) -> None:
        # One engine outlives many runtimes in tests: leave no listener behind.
        for name, listener in (
            ("handle_error", self._statement_failed),
            ("do_connect", self._connect),
        ):
            if event.contains(self._engine, name, listener):
                event.remove(self._engine, name, listener)
